/**
 * HTTP/1.1 spoken by hand over a socket of its own, for tests that must send what no HTTP client sends: header values
 * in raw bytes, a Content-Length that lies, overlong UTF-8, a request trickled a byte at a time. The answer is read
 * until the server closes the connection (requests ask for `Connection: close`) or the answer's Content-Length is in.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header's values joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (already percent-encoded, or not, as the test wants). */
  target: string;
  /** Header lines as sent, in order (repeats allowed), their values taken as bytes (latin1). */
  headers?: [string, string][];
  body?: Buffer | string;
  /** The Content-Length to claim: the body's own length by default; `null` sends none. */
  contentLength?: number | null;
}

/** The request's bytes, with `Host` and `Connection: close`. */
export function rawRequestBytes({ method, target, headers = [], body, contentLength }: RawRequest): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? Buffer.alloc(0));
  const length = contentLength === undefined ? (body === undefined ? null : payload.length) : contentLength;
  const lines = [
    `${method} ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...headers.map(([name, value]) => `${name}: ${value}`),
    ...(length === null ? [] : [`Content-Length: ${length}`]),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

/** Sends `bytes` at once and reads the answer; fails after `timeoutMs` without one. */
export function rawExchange(baseUrl: string, bytes: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = open(baseUrl);
    answerReader(socket, resolve, reject);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(bytes, () => undefined));
  });
}

export interface TrickleOutcome {
  /** The answer, if the server sent one before closing. */
  answer?: RawAnswer;
  /** How long the server kept the connection open. */
  heldMs: number;
  bytesSent: number;
}

/**
 * A slow client: sends `bytes` one byte every `intervalMs` until all are sent or the server closes the connection;
 * resolves when the connection is closed (by the server, or by `giveUpMs`, which then rejects).
 */
export function trickle(baseUrl: string, bytes: Buffer, intervalMs: number, giveUpMs: number): Promise<TrickleOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = open(baseUrl);
    let sent = 0;
    let answer: RawAnswer | undefined;
    let timer: NodeJS.Timeout | undefined;
    const sendNext = () => {
      if (socket.destroyed || sent >= bytes.length) return;
      socket.write(bytes.subarray(sent, sent + 1), () => undefined);
      sent += 1;
      timer = setTimeout(sendNext, intervalMs);
    };
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${giveUpMs} ms (${sent} bytes sent)`));
    }, giveUpMs);
    answerReader(
      socket,
      (received) => (answer = received),
      () => undefined,
    );
    socket.on('connect', sendNext);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      resolve({ answer, heldMs: Date.now() - started, bytesSent: sent });
    });
  });
}

function open(baseUrl: string): Socket {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  // An answer the server sends and closes on while the client is still writing comes back as EPIPE or ECONNRESET.
  socket.on('error', () => undefined);
  return socket;
}

/** Parses the answer from the socket's data, once complete (by Content-Length or close). */
function answerReader(socket: Socket, resolve: (answer: RawAnswer) => void, reject: (error: Error) => void): void {
  const chunks: Buffer[] = [];
  let done = false;
  const finish = (closed: boolean) => {
    if (done) return;
    const answer = parseAnswer(Buffer.concat(chunks), closed);
    if (answer) {
      done = true;
      resolve(answer);
      socket.destroy();
    } else if (closed) {
      done = true;
      reject(new Error(`connection closed without an answer: ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    finish(false);
  });
  socket.on('close', () => finish(true));
}

function parseAnswer(received: Buffer, closed: boolean): RawAnswer | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const body = received.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length === undefined ? !closed : body.length < length) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body.subarray(0, length ?? body.length).toString('utf8'),
  };
}
