import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';

/**
 * Structured JSON logs, one object per line, carrying the correlation id of the work being done.
 * Values under keys that can hold secrets or personal data are masked before they are written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogContext {
  correlationId?: string;
  [key: string]: unknown;
}

const contextStorage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with a log context (e.g. the correlation id of a request or a consumed event). */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return contextStorage.run({ ...contextStorage.getStore(), ...context }, fn);
}

export function currentLogContext(): LogContext {
  return contextStorage.getStore() ?? {};
}

const SENSITIVE_KEY = /(authorization|api[-_]?key|secret|password|token|email|phone|consumer|name$|card|cookie)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SENSITIVE_KEY.test(key) && key !== 'service' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export interface LogSink {
  write(line: string): void;
}

export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    private readonly service: string,
    level: LogLevel = 'info',
    private readonly sink: LogSink = process.stdout,
  ) {
    this.threshold = LEVELS[level];
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  /** Structured form: `logger.event('info', 'relay.published', { count })`. */
  event(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[level] < this.threshold) return;
    const entry = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      msg: message,
      ...(redact(currentLogContext()) as object),
      ...(redact(fields) as object),
    };
    this.sink.write(JSON.stringify(entry) + '\n');
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest calls log(message, context) and error(message, stack, context).
    const fields: Record<string, unknown> = {};
    const strings = rest.filter((r): r is string => typeof r === 'string');
    if (strings.length > 0) fields.context = strings[strings.length - 1];
    if (level === 'error' && strings.length > 1) fields.stack = strings[0];
    for (const r of rest) if (r && typeof r === 'object') Object.assign(fields, r);
    if (message instanceof Error) {
      fields.error = message;
      this.event(level, message.message, fields);
    } else if (typeof message === 'object' && message !== null) {
      this.event(level, String((message as { msg?: unknown }).msg ?? ''), { ...fields, ...(message as object) });
    } else {
      this.event(level, String(message), fields);
    }
  }
}
