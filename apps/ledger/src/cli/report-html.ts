/**
 * The `report` command's page: one self-contained HTML document (inline CSS and inline SVG, no script, no external
 * asset, so it opens offline and can be mailed as it is). A pure function from the report's figures to HTML; every
 * string that goes into it (merchant names and ids, currencies, days) is escaped, in text and in attributes alike.
 */
import { format, isKnownCurrency } from '@payment-ledger/contracts';
import type { BalancePoint, DailyVolume, MerchantVolume } from '../infrastructure/ledger-reports';

export interface ReportData {
  from: Date;
  to: Date;
  generatedAt: Date;
  /** The UTC days of the window, in order. */
  days: string[];
  volumes: DailyVolume[];
  balances: BalancePoint[];
  merchants: MerchantVolume[];
}

export const VOLUME_METRICS = ['created', 'captured', 'refunded', 'failed'] as const;
const METRIC_COLORS: Record<(typeof VOLUME_METRICS)[number], string> = {
  created: '#6b7280',
  captured: '#2563eb',
  refunded: '#d97706',
  failed: '#dc2626',
};
const BALANCE_SERIES = [
  { key: 'clearing', label: 'clearing (held by providers)', color: '#2563eb' },
  { key: 'payable', label: 'payable (owed to merchants)', color: '#059669' },
] as const;

/** Text and attribute values: `&`, `<`, `>`, quotes escaped. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
const esc = escapeHtml;

/** An amount of minor units for people: `19.99 USD`, `-5.00 EUR`; a currency of unknown exponent as minor units. */
export function formatAmount(value: number, currency: string): string {
  if (!isKnownCurrency(currency)) return `${value} ${currency} (minor units)`;
  return `${value < 0 ? '-' : ''}${format({ value: Math.abs(value), currency })}`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111;background:#f6f7f9}
header{background:#1f2937;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header p{margin:0;color:#d1d5db}
main{max-width:1040px;margin:0 auto;padding:8px 28px 40px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:16px;margin:0 0 12px}h3{font-size:14px;margin:14px 0 6px}svg{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;margin-top:12px;font-variant-numeric:tabular-nums}th,td{padding:4px 8px;border-bottom:1px solid #eef0f3;text-align:left}
td.n,th.n{text-align:right}.legend{display:flex;gap:16px;flex-wrap:wrap;margin:4px 0}.legend span::before{content:"";display:inline-block;width:10px;height:10px;margin-right:5px;background:var(--c)}
.empty{color:#6b7280;font-style:italic}.axis{font-size:10px;fill:#6b7280}.grid{stroke:#e5e7eb}
`;

/** The whole page. */
export function renderReport(data: ReportData): string {
  const title = `Payment ledger report, ${data.from.toISOString()} – ${data.to.toISOString()}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Payment ledger report</h1><p>From <time>${esc(data.from.toISOString())}</time> to <time>${esc(
    data.to.toISOString(),
  )}</time> (days in UTC) · generated <time>${esc(data.generatedAt.toISOString())}</time></p></header>
<main>
${volumesSection(data)}
${balancesSection(data)}
${merchantsSection(data)}
</main>
</body>
</html>
`;
}

function volumesSection(data: ReportData): string {
  const countOf = (day: string, metric: string) =>
    data.volumes.filter((v) => v.day === day && v.metric === metric).reduce((t, v) => t + v.count, 0);
  const max = Math.max(1, ...data.days.flatMap((d) => VOLUME_METRICS.map((m) => countOf(d, m))));
  const W = 760;
  const H = 240;
  const left = 40;
  const bottom = 24;
  const plotW = W - left - 8;
  const plotH = H - bottom - 10;
  const group = plotW / Math.max(data.days.length, 1);
  const bar = (group * 0.8) / VOLUME_METRICS.length;
  const labelEvery = Math.ceil(data.days.length / 12);
  const bars = data.days.flatMap((day, i) =>
    VOLUME_METRICS.map((metric, j) => {
      const count = countOf(day, metric);
      const h = (count / max) * plotH;
      const x = left + i * group + group * 0.1 + j * bar;
      return (
        `<rect class="bar" data-metric="${metric}" data-day="${esc(day)}" data-count="${count}" x="${r(x)}" ` +
        `y="${r(10 + plotH - h)}" width="${r(bar)}" height="${r(h)}" fill="${METRIC_COLORS[metric]}">` +
        `<title>${esc(day)} ${metric}: ${count}</title></rect>`
      );
    }),
  );
  const dayLabels = data.days
    .map((day, i) =>
      i % labelEvery === 0
        ? `<text class="axis" x="${r(left + i * group + group / 2)}" y="${H - 8}" text-anchor="middle">${esc(day.slice(5))}</text>`
        : '',
    )
    .join('');
  const rows = volumeRows(data);
  return `<section id="volumes">
<h2>Volumes per day</h2>
<div class="legend">${VOLUME_METRICS.map((m) => `<span style="--c:${METRIC_COLORS[m]}">${m}</span>`).join('')}</div>
<svg id="volumes-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Charges created, captured, refunded and failed per day">
${yAxis(left, W, 10, plotH, 0, max, (v) => String(Math.round(v)))}
${bars.join('\n')}
${dayLabels}
</svg>
${
  rows.length === 0
    ? '<p class="empty">No charges, captures, refunds or failures in this window.</p>'
    : `<table id="volumes-table"><thead><tr><th>day</th><th>currency</th><th class="n">created</th><th class="n">created amount</th><th class="n">captured</th><th class="n">captured amount</th><th class="n">refunded</th><th class="n">refunded amount</th><th class="n">failed</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`
}
<p>Created and failed (authentication failed or authorization declined) from the event log; captured and refunded
from the ledger (what its entries moved through the providers' clearing accounts). The chart counts every currency.</p>
</section>`;
}

function volumeRows(data: ReportData): string[] {
  const keys = [...new Set(data.volumes.map((v) => `${v.day}\u0000${v.currency}`))].sort();
  return keys.map((key) => {
    const [day, currency] = key.split('\u0000');
    const of = (metric: string) =>
      data.volumes.find((v) => v.day === day && v.currency === currency && v.metric === metric);
    const count = (metric: string) => `<td class="n" data-metric="${metric}">${of(metric)?.count ?? 0}</td>`;
    const amount = (metric: string) =>
      `<td class="n" data-metric="${metric}-amount">${esc(formatAmount(of(metric)?.amount ?? 0, currency))}</td>`;
    return (
      `<tr data-day="${esc(day)}" data-currency="${esc(currency)}"><td>${esc(day)}</td><td>${esc(currency)}</td>` +
      `${count('created')}${amount('created')}${count('captured')}${amount('captured')}` +
      `${count('refunded')}${amount('refunded')}${count('failed')}</tr>`
    );
  });
}

function balancesSection(data: ReportData): string {
  const currencies = [...new Set(data.balances.map((b) => b.currency))].sort();
  if (currencies.length === 0) {
    return `<section id="balances"><h2>Balances over time</h2><p class="empty">No clearing or payable balance up to the end of this window.</p></section>`;
  }
  const charts = currencies.map((currency) => {
    const points = data.balances.filter((b) => b.currency === currency);
    const values = points.flatMap((p) => [p.clearing, p.payable]);
    const lo = Math.min(0, ...values);
    const hi = Math.max(1, ...values);
    const W = 760;
    const H = 200;
    const left = 80;
    const plotW = W - left - 12;
    const plotH = H - 40;
    const x = (i: number) => left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
    const y = (v: number) => 10 + plotH - ((v - lo) / (hi - lo)) * plotH;
    const series = BALANCE_SERIES.map(({ key, color }) => {
      const coordinates = points.map((p, i) => `${r(x(i))},${r(y(p[key]))}`).join(' ');
      const dots = points
        .map(
          (p, i) =>
            `<circle data-series="${key}" data-at="${esc(p.at.toISOString())}" data-value="${p[key]}" cx="${r(x(i))}" ` +
            `cy="${r(y(p[key]))}" r="3" fill="${color}"><title>${esc(p.at.toISOString())} ${key}: ${esc(
              formatAmount(p[key], currency),
            )}</title></circle>`,
        )
        .join('');
      return `<polyline data-series="${key}" points="${coordinates}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
    });
    const rows = points.map(
      (p) =>
        `<tr data-at="${esc(p.at.toISOString())}"><td>${esc(p.at.toISOString())}</td><td class="n" data-series="clearing">${esc(
          formatAmount(p.clearing, currency),
        )}</td><td class="n" data-series="payable">${esc(formatAmount(p.payable, currency))}</td></tr>`,
    );
    return `<h3>${esc(currency)}</h3>
<svg class="balances-chart" data-currency="${esc(currency)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(
      `Clearing and payable balances in ${currency} at the end of each day`,
    )}">
${yAxis(left, W, 10, plotH, lo, hi, (v) => formatAmount(Math.round(v), currency))}
${series.join('\n')}
</svg>
<table class="balances-table" data-currency="${esc(currency)}"><thead><tr><th>end of day</th><th class="n">clearing</th><th class="n">payable</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
  });
  return `<section id="balances">
<h2>Balances over time</h2>
<div class="legend">${BALANCE_SERIES.map((s) => `<span style="--c:${s.color}">${esc(s.label)}</span>`).join('')}</div>
${charts.join('\n')}
<p>At the end of each UTC day (the last: the window's end), every provider's clearing account (debits − credits) and
every merchant's payable account (credits − debits), from the ledger.</p>
</section>`;
}

function merchantsSection(data: ReportData): string {
  if (data.merchants.length === 0) {
    return `<section id="merchants"><h2>Largest merchants</h2><p class="empty">No captures in this window.</p></section>`;
  }
  const maxOf = new Map<string, number>();
  for (const m of data.merchants) maxOf.set(m.currency, Math.max(maxOf.get(m.currency) ?? 1, m.captured));
  const W = 760;
  const rowH = 26;
  const H = data.merchants.length * rowH + 8;
  const labelW = 260;
  const nameOf = (m: MerchantVolume) => m.merchantName ?? m.merchantId;
  const bars = data.merchants.map((m, i) => {
    const w = (m.captured / maxOf.get(m.currency)!) * (W - labelW - 150);
    const y = 4 + i * rowH;
    return (
      `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" font-size="12">${esc(truncate(nameOf(m), 36))}</text>` +
      `<rect class="bar" data-merchant="${esc(m.merchantId)}" data-currency="${esc(m.currency)}" data-captured="${m.captured}" ` +
      `x="${labelW}" y="${y + 4}" width="${r(w)}" height="${rowH - 8}" fill="#2563eb"><title>${esc(nameOf(m))}: ${esc(
        formatAmount(m.captured, m.currency),
      )}</title></rect>` +
      `<text x="${r(labelW + w + 6)}" y="${y + 17}" font-size="12">${esc(formatAmount(m.captured, m.currency))}</text>`
    );
  });
  const rows = data.merchants.map(
    (m, i) =>
      `<tr data-merchant="${esc(m.merchantId)}" data-currency="${esc(m.currency)}"><td class="n">${i + 1}</td>` +
      `<td class="name">${esc(nameOf(m))}</td><td>${esc(m.merchantId)}</td><td>${esc(m.currency)}</td>` +
      `<td class="n" data-field="captures">${m.captures}</td><td class="n" data-field="captured">${esc(
        formatAmount(m.captured, m.currency),
      )}</td></tr>`,
  );
  return `<section id="merchants">
<h2>Largest merchants</h2>
<svg id="merchants-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Largest merchants by captured volume">
${bars.join('\n')}
</svg>
<table id="merchants-table"><thead><tr><th class="n">#</th><th>merchant</th><th>id</th><th>currency</th><th class="n">captures</th><th class="n">captured</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<p>By captured volume in the window, from the ledger's capture entries; a merchant with captures in several currencies
has a row per currency (bars are scaled within their currency).</p>
</section>`;
}

/** Horizontal grid lines with their values at the bottom, middle and top of a plot. */
function yAxis(
  left: number,
  W: number,
  top: number,
  plotH: number,
  lo: number,
  hi: number,
  label: (v: number) => string,
) {
  return [0, 0.5, 1]
    .map((f) => {
      const y = r(top + plotH - f * plotH);
      return (
        `<line class="grid" x1="${left}" x2="${W - 8}" y1="${y}" y2="${y}"/>` +
        `<text class="axis" x="${left - 4}" y="${y + 3}" text-anchor="end">${esc(label(lo + f * (hi - lo)))}</text>`
      );
    })
    .join('');
}

const r = (n: number) => Math.round(n * 10) / 10;
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
