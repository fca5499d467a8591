/**
 * An open-loop load generator: requests are sent on a fixed schedule (`rate` per second, evenly spaced) whether or
 * not earlier ones have been answered, which is how merchants' traffic arrives. Each latency is measured from the
 * request's scheduled send time, not from when a free connection let it go, so a stall is charged to every
 * request it delayed (no coordinated omission). autocannon, by contrast, is closed-loop (each connection waits for
 * its answer before the next request), and its `overallRate` sends each connection's quota for a second in a burst
 * at the start of that second, so neither measures latency at a given arrival rate.
 *
 * HTTP/1.1 keep-alive over `connections` plain sockets, one request in flight on each; a request due while every
 * socket is busy waits in a queue, and that wait is part of its latency. The client is deliberately small (one
 * pre-encoded request, answers framed by Content-Length) because it shares the machine with the stack it
 * measures: undici's pool cost about three times the CPU per request (0.15 against 0.05 ms here).
 */
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { type LoadRun, okAnswers } from './load-run';

export interface OpenLoopOptions {
  url: string;
  /** Requests per second, sent evenly spaced. */
  rate: number;
  seconds: number;
  connections: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers: Record<string, string>;
  /** A request unanswered after this many ms fails the run. */
  timeoutMs?: number;
  /**
   * The first seconds of the schedule (default 0) only warm the stack up: their answers are counted in `warmUp`,
   * not in the result's latencies. The measured span follows without a pause, so it starts warm.
   */
  warmUpSeconds?: number;
  /** Called when the first measured request is due (to take the CPU snapshot that the measured span starts at). */
  onMeasuring?: () => void;
  /** Writes `scheduled ms,latency ms` per measured request to this file: slow episodes, and when they came. */
  traceFile?: string;
}

export interface OpenLoopResult extends LoadRun {
  /** Requests sent: rate × seconds. */
  requests: number;
  /** From the first scheduled send to the last answer. */
  seconds: number;
  /** Answers per second over the schedule's span: equals `rate` when the server kept up. */
  achievedRate: number;
  /** Milliseconds from each request's scheduled send time to the end of its answer, sorted ascending. */
  latencies: number[];
  /** The answers of the warm-up requests. */
  warmUp: Pick<LoadRun, 'requests' | 'ok' | 'non2xx' | 'errors' | 'statuses'>;
}

const TICK_MS = 1;
const HEADER_END = Buffer.from('\r\n\r\n');

function encodeRequest(options: OpenLoopOptions): Buffer {
  const url = new URL(options.url);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { host: url.host, connection: 'keep-alive', ...options.headers };
  if (body) headers['content-length'] = String(body.length);
  const head =
    `${options.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
}

/** One keep-alive connection; `onAnswer` gets each answer's status (0 when the connection failed mid-request). */
class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private expected: { headerLength: number; total: number; status: number } | undefined;
  busy = false;
  ready: Promise<void>;

  constructor(
    host: string,
    port: number,
    private readonly onAnswer: (connection: Connection, status: number) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      if (this.busy) this.answer(0);
    });
  }

  send(request: Buffer): void {
    this.busy = true;
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.expected) {
      const end = this.buffered.indexOf(HEADER_END);
      if (end < 0) return;
      const head = this.buffered.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) throw new Error(`open-loop: an answer without Content-Length:\n${head}`);
      const status = Number(head.slice(9, 12));
      this.expected = { headerLength: end + 4, total: end + 4 + Number(length[1]), status };
    }
    if (this.buffered.length < this.expected.total) return;
    const { status, total } = this.expected;
    if (this.buffered.length > total) throw new Error('open-loop: bytes after an answer (no request was pending)');
    this.buffered = Buffer.alloc(0);
    this.expected = undefined;
    this.answer(status);
  }

  private answer(status: number): void {
    this.busy = false;
    this.onAnswer(this, status);
  }
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const request = encodeRequest(options);
  const warmUpTotal = Math.round(options.rate * (options.warmUpSeconds ?? 0));
  const total = warmUpTotal + Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const timeoutMs = options.timeoutMs ?? 10_000;
  /** Per request (by its place in the schedule): its latency, and its status (0: the connection failed). */
  const latencyOf = new Float64Array(total);
  const statusOf = new Uint16Array(total);
  let answered = 0;
  let lastAnswer = 0;
  /** The place in the schedule of the request each connection carries; those waiting for a connection. */
  const carrying = new Map<Connection, number>();
  const waiting: number[] = [];
  let waitingHead = 0;
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  let started = 0;
  const dueAt = (n: number) => started + n * intervalMs;
  const dispatch = (connection: Connection) => {
    if (waitingHead < waiting.length) {
      carrying.set(connection, waiting[waitingHead++]);
      connection.send(request);
    }
  };
  const onAnswer = (connection: Connection, status: number) => {
    lastAnswer = performance.now();
    const n = carrying.get(connection)!;
    carrying.delete(connection);
    latencyOf[n] = lastAnswer - dueAt(n);
    statusOf[n] = status;
    answered += 1;
    if (answered === total) finish();
    else dispatch(connection);
  };
  const connections = Array.from(
    { length: options.connections },
    () => new Connection(target.hostname, Number(target.port || 80), onAnswer),
  );
  await Promise.all(connections.map((c) => c.ready));

  started = performance.now();
  let scheduled = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    while (scheduled < total && dueAt(scheduled) <= now) {
      if (scheduled === warmUpTotal) options.onMeasuring?.();
      waiting.push(scheduled);
      scheduled += 1;
      const idle = connections.find((c) => !c.busy);
      if (idle) dispatch(idle);
    }
    const oldest = carrying.size > 0 ? Math.min(...carrying.values()) : Infinity;
    if (now - dueAt(oldest) > timeoutMs) {
      return fail(new Error(`open-loop: a request was not answered in ${timeoutMs} ms`));
    }
    if (answered < total) timer = setTimeout(tick, scheduled < total ? TICK_MS : 100);
  };
  tick();
  try {
    await done;
  } finally {
    clearTimeout(timer);
    for (const connection of connections) connection.close();
  }

  if (options.traceFile) {
    const lines = Array.from({ length: total - warmUpTotal }, (_, i) => {
      const n = warmUpTotal + i;
      return `${(dueAt(n) - dueAt(warmUpTotal)).toFixed(1)},${latencyOf[n].toFixed(2)}`;
    });
    writeFileSync(
      options.traceFile,
      `start,${performance.timeOrigin + dueAt(warmUpTotal)}\nscheduledMs,latencyMs\n${lines.join('\n')}\n`,
    );
  }
  const measured = tally(statusOf.subarray(warmUpTotal));
  const seconds = (lastAnswer - dueAt(warmUpTotal)) / 1000;
  return {
    ...measured,
    seconds,
    achievedRate: Math.round(measured.requests / Math.max(seconds, options.seconds)),
    latencies: Array.from(latencyOf.subarray(warmUpTotal)).sort((a, b) => a - b),
    warmUp: tally(statusOf.subarray(0, warmUpTotal)),
  };
}

/** Counts answers by status (0: the connection failed). */
function tally(statusOf: Uint16Array): OpenLoopResult['warmUp'] {
  const statuses: Record<number, number> = {};
  let errors = 0;
  for (const status of statusOf) {
    if (status === 0) errors += 1;
    else statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const ok = okAnswers(statuses);
  return { requests: statusOf.length, ok, non2xx: statusOf.length - ok - errors, errors, statuses };
}
