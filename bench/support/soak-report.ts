/**
 * The soak run's record and its plot: one row per minute, the trend of each series after warm-up (is memory flat, do
 * latency and throughput drift, is lag bounded), and a self-contained HTML page of inline SVG charts of every series
 * over the minutes, so that a leak or a slowdown shows at a glance.
 */

export interface SoakMinute {
  minute: number;
  /** 2xx answers per second in this minute, by operation kind, and all of them. */
  throughput: { total2xxPerSecond: number; byKind: Record<string, number>; refused: number; unsettled: number };
  /** Of the 2xx answers completed this minute, from the request's first send to its answer (retries included). */
  latencyMs: { p50: number; p99: number; max: number; p99ByKind: Record<string, number> };
  /** Each process's memory in MB: the minute's median sample (services: RSS; postgres: PSS summed; kafka: RSS). */
  memoryMb: Record<string, number>;
  /** The highest sample of the minute, by process. */
  memoryPeakMb: Record<string, number>;
  eventStore: { rows: number; totalMb: number; rowsPerSecond: number };
  consumerLag: { total: number; byGroup: Record<string, number> };
  webhooks: { receipts: number; validSignatures: number };
  loadAverage1m: number;
}

export interface SeriesTrend {
  /** Median over the first third of the minutes after warm-up, and over the last third. */
  early: number;
  late: number;
  changePercent: number;
  /** Least-squares slope over the minutes after warm-up, per minute. */
  slopePerMinute: number;
}

const round = (n: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The minutes counted as warm-up: the first fifth of the run, at least one (none of a one-minute run). */
export function warmUpMinutes(minutes: number): number {
  return minutes <= 1 ? 0 : Math.max(1, Math.round(minutes / 5));
}

/** How a series moved after warm-up (see SeriesTrend); `values[i]` is minute i + 1's. */
export function trendOf(values: number[]): SeriesTrend {
  const after = values.slice(warmUpMinutes(values.length));
  const third = Math.max(1, Math.floor(after.length / 3));
  const early = median(after.slice(0, third));
  const late = median(after.slice(-third));
  const n = after.length;
  const meanX = (n - 1) / 2;
  const meanY = after.reduce((s, v) => s + v, 0) / Math.max(1, n);
  let num = 0;
  let den = 0;
  after.forEach((v, i) => {
    num += (i - meanX) * (v - meanY);
    den += (i - meanX) ** 2;
  });
  return {
    early: round(early, 2),
    late: round(late, 2),
    changePercent: early === 0 ? 0 : round(((late - early) / early) * 100),
    slopePerMinute: den === 0 ? 0 : round(num / den, 3),
  };
}

/** The p-quantile (0..1) of `values`. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export interface SoakTrends {
  warmUpMinutes: number;
  throughput: SeriesTrend & { flat: boolean };
  p99: SeriesTrend & { flat: boolean };
  memory: Record<string, SeriesTrend & { flat: boolean }>;
  eventStoreRowsPerSecond: SeriesTrend;
  consumerLag: { maxAfterWarmUp: number; atLastMinute: number; afterLoadStopped: number | null; bounded: boolean };
  verdict: string[];
}

/**
 * The run's trends. Flat: throughput within 10% early to late; p99 within 25% (or 20 ms: a shared host's p99 swings);
 * memory within 10% (or 10 MB) with no steady climb. Lag bounded: it drains once the load stops and after warm-up never
 * grows beyond a minute's events.
 */
export function soakTrends(rows: SoakMinute[], lagAfterStop: number | null): SoakTrends {
  const warm = warmUpMinutes(rows.length);
  const throughput = trendOf(rows.map((r) => r.throughput.total2xxPerSecond));
  const p99 = trendOf(rows.map((r) => r.latencyMs.p99));
  const memory: SoakTrends['memory'] = {};
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.memoryMb)))];
  for (const name of names) {
    const t = trendOf(rows.map((r) => r.memoryMb[name] ?? 0));
    const grew = t.late - t.early;
    memory[name] = { ...t, flat: grew <= Math.max(10, t.early * 0.1) };
  }
  const lagAfter = rows.slice(warm).map((r) => r.consumerLag.total);
  const maxAfterWarmUp = Math.max(0, ...lagAfter);
  const rowsPerMinute = median(rows.slice(warm).map((r) => r.eventStore.rowsPerSecond * 60));
  const consumerLag = {
    maxAfterWarmUp,
    atLastMinute: rows.at(-1)?.consumerLag.total ?? 0,
    afterLoadStopped: lagAfterStop,
    bounded: (lagAfterStop === null || lagAfterStop === 0) && maxAfterWarmUp <= Math.max(100, rowsPerMinute),
  };
  const result: SoakTrends = {
    warmUpMinutes: warm,
    throughput: { ...throughput, flat: Math.abs(throughput.changePercent) <= 10 },
    p99: { ...p99, flat: p99.late - p99.early <= Math.max(20, p99.early * 0.25) },
    memory,
    eventStoreRowsPerSecond: trendOf(rows.map((r) => r.eventStore.rowsPerSecond)),
    consumerLag,
    verdict: [],
  };
  const v = result.verdict;
  v.push(
    `throughput ${result.throughput.flat ? 'steady' : 'DRIFTED'}: ${throughput.early} -> ${throughput.late} 2xx/s (${throughput.changePercent}%)`,
  );
  v.push(`p99 ${result.p99.flat ? 'steady' : 'DRIFTED'}: ${p99.early} -> ${p99.late} ms`);
  for (const [name, t] of Object.entries(memory)) {
    v.push(
      `${name} memory ${t.flat ? 'flat' : 'GREW'}: ${t.early} -> ${t.late} MB (${t.changePercent}%, ${t.slopePerMinute} MB/min)`,
    );
  }
  v.push(
    `consumer lag ${consumerLag.bounded ? 'bounded' : 'NOT BOUNDED'}: max ${maxAfterWarmUp} after warm-up, ` +
      `${consumerLag.atLastMinute} at the last minute, ${lagAfterStop ?? 'unknown'} once the load stopped`,
  );
  return result;
}

// ------------------------------------------------------------------------------------------------------------- plot

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#637939',
  '#843c39',
];

interface Series {
  name: string;
  values: (number | null)[];
  bold?: boolean;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick steps (1, 2, 5 × 10^k) for an axis from 0 to `max`. */
function ticks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= max + step * 0.999; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** One line chart as an SVG element: minutes on x, `unit` on y from 0, a legend at the right. */
export function lineChart(title: string, unit: string, series: Series[], minutes: number): string {
  const width = 900;
  const height = 260;
  const left = 64;
  const right = 230;
  const top = 30;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yTicks = ticks(Math.max(0, ...all));
  const yMax = yTicks.at(-1)!;
  const x = (minute: number) => left + (minutes <= 1 ? plotW / 2 : ((minute - 1) / (minutes - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left + plotW}" y="18" text-anchor="end" fill="#555">${escape(unit)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${t}</text>`,
    );
  }
  const xStep = Math.max(1, Math.ceil(minutes / 15));
  for (let m = 1; m <= minutes; m += xStep) {
    parts.push(`<text x="${x(m)}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${m}</text>`);
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle" fill="#555">minute</text>`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.values
      .map((v, m) => (v === null ? null : `${x(m + 1).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    if (points.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="${s.bold ? 2.5 : 1.5}" points="${points.join(' ')}"/>`,
      );
    }
    for (const p of points) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="2" fill="${color}"/>`);
    }
    const ly = top + 4 + i * 15;
    const last = s.values.filter((v): v is number => v !== null).at(-1);
    parts.push(
      `<line x1="${left + plotW + 12}" x2="${left + plotW + 30}" y1="${ly + 4}" y2="${ly + 4}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${left + plotW + 36}" y="${ly + 8}">${escape(s.name)}${last === undefined ? '' : ` (${round(last, 1)})`}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole page: a header (settings, verdict) and one chart per measure. */
export function soakHtml(record: {
  date: string;
  minutes: number;
  settings: Record<string, unknown>;
  notes: string;
  rows: SoakMinute[];
  trends: SoakTrends;
}): string {
  const { rows } = record;
  const n = rows.length;
  const kinds = [...new Set(rows.flatMap((r) => Object.keys(r.throughput.byKind)))];
  const processes = [...new Set(rows.flatMap((r) => Object.keys(r.memoryMb)))];
  const nodeProcesses = processes.filter((p) => p !== 'postgres' && p !== 'kafka');
  const groups = [...new Set(rows.flatMap((r) => Object.keys(r.consumerLag.byGroup)))];
  const charts = [
    lineChart(
      'Throughput',
      '2xx answers per second',
      [
        { name: 'total 2xx', values: rows.map((r) => r.throughput.total2xxPerSecond), bold: true },
        ...kinds.map((k) => ({ name: k, values: rows.map((r) => r.throughput.byKind[k] ?? 0) })),
      ],
      n,
    ),
    lineChart(
      'Latency of 2xx answers',
      'ms (first send to answer)',
      [
        { name: 'p99', values: rows.map((r) => r.latencyMs.p99), bold: true },
        { name: 'p50', values: rows.map((r) => r.latencyMs.p50) },
      ],
      n,
    ),
    lineChart(
      'Memory: the Node processes',
      'RSS, MB (median of the minute)',
      nodeProcesses.map((p) => ({ name: p, values: rows.map((r) => r.memoryMb[p] ?? null) })),
      n,
    ),
    lineChart(
      'Memory: PostgreSQL and Kafka',
      'MB (postgres: PSS of all its processes; kafka: RSS)',
      processes
        .filter((p) => p === 'postgres' || p === 'kafka')
        .map((p) => ({ name: p, values: rows.map((r) => r.memoryMb[p] ?? null) })),
      n,
    ),
    lineChart('Event store: rows', 'rows in events', [{ name: 'rows', values: rows.map((r) => r.eventStore.rows) }], n),
    lineChart(
      'Event store: size',
      "MB, pg_total_relation_size('events')",
      [{ name: 'size', values: rows.map((r) => r.eventStore.totalMb) }],
      n,
    ),
    lineChart(
      'Consumer lag',
      'messages (end offset - committed), end of each minute',
      [
        { name: 'total', values: rows.map((r) => r.consumerLag.total), bold: true },
        ...groups.map((g) => ({ name: g, values: rows.map((r) => r.consumerLag.byGroup[g] ?? null) })),
      ],
      n,
    ),
    lineChart(
      'Host load average (1 min)',
      'runnable processes',
      [{ name: 'load', values: rows.map((r) => r.loadAverage1m) }],
      n,
    ),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>payment-ledger soak run</title>',
    '<style>body{font-family:sans-serif;margin:24px;max-width:940px}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}</style>',
    '</head><body>',
    `<h1>Soak run: ${record.minutes} minutes, ${escape(record.date)}</h1>`,
    `<p>${escape(record.notes)}</p>`,
    `<pre>${escape(record.trends.verdict.join('\n'))}</pre>`,
    `<pre>${escape(JSON.stringify(record.settings, null, 1))}</pre>`,
    `<p>Minutes 1–${record.trends.warmUpMinutes} are warm-up. Flat lines after them are what a healthy run shows: a line `,
    'that keeps climbing (memory, p99, lag) or falling (throughput) is a leak or a slowdown.</p>',
    ...charts,
    '</body></html>',
    '',
  ].join('\n');
}
