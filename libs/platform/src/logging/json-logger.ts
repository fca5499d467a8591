import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { maskSensitive, maskSensitiveText, REDACTED, REDACTED_PATHS } from './redaction';

/**
 * Structured JSON logs through pino, one object per line: `time` (ISO), `level` (its name), `service`, `msg`, the
 * fields of the current log context (the correlation id of the work being done) and the entry's own fields.
 * Nothing that can hold a secret or personal data is written (redaction.ts says how).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogContext {
  correlationId?: string;
  /** The id of the event or command whose handling this is: what anything it causes names as its causation. */
  causationId?: string;
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

/**
 * The correlation and causation ids of the current work, for what it sends on (a command's message, an event's
 * metadata); each only when known.
 */
export function currentTrace(): { correlationId?: string; causationId?: string } {
  const { correlationId, causationId } = currentLogContext();
  return {
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
    ...(typeof causationId === 'string' ? { causationId } : {}),
  };
}

/** Where log lines go: anything with `write(line)` (stdout by default; a test's collector). */
export interface LogSink {
  write(line: string): void;
}

let stdoutDestination: DestinationStream | undefined;

/**
 * The process's one stdout destination, written synchronously: a line logged right before `process.exit` (a failed
 * start, a shutdown past its deadline) is out before the process ends, which an asynchronous buffer would not promise.
 */
function stdout(): DestinationStream {
  return (stdoutDestination ??= pino.destination({ dest: 1, sync: true }));
}

const LEVEL_NAMES = new Set<string>(['debug', 'info', 'warn', 'error']);

export class JsonLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(service: string, level: LogLevel = 'info', sink: LogSink = stdout()) {
    this.pino = pino(
      {
        level,
        base: { service },
        timestamp: pino.stdTimeFunctions.isoTime,
        messageKey: 'msg',
        mixin: () => ({ ...currentLogContext() }),
        formatters: { level: (label) => ({ level: label }), log: (entry) => maskSensitive(entry) },
        redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
      },
      sink as DestinationStream,
    );
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
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  /** Structured form: `logger.event('info', 'relay.published', { count })`. */
  event(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    const lvl = LEVEL_NAMES.has(level) ? level : 'info';
    if (!this.pino.isLevelEnabled(lvl)) return;
    this.pino[lvl]({ ...fields }, maskSensitiveText(message));
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
