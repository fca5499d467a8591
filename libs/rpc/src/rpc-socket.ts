import type { Socket } from 'node:net';
import type { Type } from '@nestjs/common';
import { TcpSocket } from '@nestjs/microservices';
import type { InFlightWork, JsonLogger } from '@payment-ledger/platform';
import type { FrameSigner, FrameVerifier } from './frame-auth';

const HASH = 0x23; // '#'
const ANSWER_TOO_LARGE = {
  kind: 'internal',
  failureCode: 'answer_too_large',
  failureMessage: 'The answer exceeds RPC_MAX_FRAME_BYTES',
};
/** A command a draining server refused without running it: its caller may send it again (service-call.ts). */
export const SERVICE_DRAINING = {
  kind: 'unavailable',
  failureCode: 'service_draining',
  failureMessage: 'The service is shutting down and did not run this command; send it again',
};

/** "<up to 10 digits>#": a longer length prefix is not one. */
const MAX_PREFIX_BYTES = 11;

export interface RpcSocketOptions {
  /** Largest frame read or written (bytes); a peer announcing a larger one is disconnected before it is buffered. */
  maxFrameBytes: number;
  /** Signs every frame this side sends (clients: commands). */
  signer?: FrameSigner;
  /** Every frame received must pass (servers: commands); a refused one is logged and the connection closed. */
  verifier?: FrameVerifier;
  logger: JsonLogger;
  /** `client` or `server`, for the log lines. */
  side: 'client' | 'server';
  /**
   * Servers: where commands are counted while they run. Once it drains, a new command is answered SERVICE_DRAINING
   * unexecuted, and each connection ends as soon as the commands it brought are answered.
   */
  work?: InFlightWork;
}

/**
 * The RPC kit's framing for `@nestjs/microservices` TCP (given as the transport's `socketClass`): `<bytes>#<frame>`
 * like Nest's JsonSocket, but the length is in bytes and checked against `maxFrameBytes` as soon as it is read (Nest's
 * JsonSocket buffers up to 512 MB per connection before it looks), commands are signed once from the JSON they are
 * sent as, and verified before their JSON is parsed (frame-auth.ts).
 */
export function rpcSocketClass(options: RpcSocketOptions): Type<TcpSocket> {
  const { maxFrameBytes, signer, verifier, logger, side, work } = options;

  class RpcSocket extends TcpSocket {
    private chunks: Buffer[] = [];
    private buffered = 0;
    /** Byte length of the frame being read; -1 while its prefix is not complete. */
    private frameLength = -1;
    private refused = false;
    private backpressured = false;
    /** Ids of the commands this connection brought that have not been answered yet (servers with `work`). */
    private readonly running = new Set<unknown>();

    constructor(socket: Socket) {
      super(socket);
      if (work) {
        const stopListening = work.onDrain(() => {
          // From now on the connection itself counts as work until it has closed, so that the server closes (and
          // destroys what is left) only after its last answers were flushed.
          work.hold();
          socket.once('close', () => work.finish());
          this.endWhenAnswered();
        });
        // A connection that dies mid-command: its commands still count until they are answered (into the void).
        socket.once('close', stopListening);
      }
    }

    protected handleSend(message: unknown, callback?: (error?: unknown) => void): void {
      const json = JSON.stringify(message);
      let frame: Buffer;
      if (signer) {
        const { header, body } = signer.sign(json);
        const length = header.length + body.length;
        frame = Buffer.concat([Buffer.from(`${length}#${header}`, 'latin1'), body]);
      } else {
        const body = Buffer.from(json, 'utf8');
        frame = Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
      }
      if (frame.length > maxFrameBytes + MAX_PREFIX_BYTES) {
        logger.event('warn', 'rpc.frame_too_large', { side, direction: 'out', bytes: frame.length, maxFrameBytes });
        const id = (message as { id?: unknown } | null)?.id;
        if (side === 'server' && id !== undefined) {
          // The caller gets an answer now rather than a timeout.
          return this.handleSend({ id, isDisposed: true, err: ANSWER_TOO_LARGE }, callback);
        }
        // A client's ClientTCP.publish turns this into the call's error at once.
        throw new Error(`frame of ${frame.length} bytes exceeds RPC_MAX_FRAME_BYTES (${maxFrameBytes})`);
      }
      if (!this.socket.write(frame, callback) && side === 'server' && !this.backpressured) {
        // A peer that asks without reading: stop reading its commands until it catches up. (Only servers: a client
        // that stopped reading answers while its commands wait to be sent would deadlock with its server.)
        this.backpressured = true;
        this.socket.pause();
        this.socket.once('drain', () => {
          this.backpressured = false;
          this.socket.resume();
        });
      }
      if (work) this.answered(message);
    }

    protected handleData(data: Buffer | string): void {
      if (this.refused) return;
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      while (!this.refused && this.buffered > 0) {
        if (this.frameLength < 0) {
          const head = this.peek(Math.min(this.buffered, MAX_PREFIX_BYTES));
          const hash = head.indexOf(HASH);
          if (hash < 0) {
            if (head.length >= MAX_PREFIX_BYTES) return this.refuse('rpc.frame_malformed', {});
            return;
          }
          const digits = head.toString('latin1', 0, hash);
          if (!/^\d+$/.test(digits)) return this.refuse('rpc.frame_malformed', {});
          const length = Number(digits);
          if (length > maxFrameBytes) return this.refuse('rpc.frame_too_large', { bytes: length, maxFrameBytes });
          this.consume(hash + 1);
          this.frameLength = length;
        }
        if (this.buffered < this.frameLength || (this.frameLength === 0 && this.buffered === 0)) return;
        const frame = this.consume(this.frameLength);
        this.frameLength = -1;
        this.receive(frame);
      }
    }

    private receive(frame: Buffer): void {
      let body = frame;
      if (verifier) {
        const verified = verifier.verify(frame);
        if (!verified.ok) {
          const { reason, messageId, ageMs } = verified;
          return this.refuse('rpc.command_refused', { reason, messageId, ageMs });
        }
        body = verified.body;
      }
      let message: unknown;
      try {
        message = JSON.parse(body.toString('utf8'));
      } catch {
        return this.refuse('rpc.frame_malformed', { bytes: body.length });
      }
      if (work && !this.accepted(message)) return;
      this.socket.emit('message', message ?? {});
    }

    /** Counts a command in; while draining answers it SERVICE_DRAINING instead (events, without an id, pass). */
    private accepted(message: unknown): boolean {
      const id = (message as { id?: unknown } | null)?.id;
      if (id === undefined || this.socket.writableEnded) return id === undefined;
      if (!work!.tryStart()) {
        this.handleSend({ id, isDisposed: true, err: SERVICE_DRAINING });
        return false;
      }
      this.running.add(id);
      return true;
    }

    /** A command's last frame (disposed, or an error) finishes it; a draining connection ends after its last one. */
    private answered(message: unknown): void {
      const { id, isDisposed, err } = (message ?? {}) as { id?: unknown; isDisposed?: boolean; err?: unknown };
      if (id === undefined || !(isDisposed || err !== undefined) || !this.running.delete(id)) return;
      work!.finish();
      if (work!.isDraining) this.endWhenAnswered();
    }

    private endWhenAnswered(): void {
      if (this.running.size === 0 && !this.socket.writableEnded) this.socket.end();
    }

    /** Logs why (no frame content), drops what was buffered and closes the connection at once. */
    private refuse(event: string, fields: Record<string, unknown>): void {
      this.refused = true;
      this.chunks = [];
      this.buffered = 0;
      logger.event('warn', event, { side, remoteAddress: this.socket.remoteAddress, ...fields });
      this.socket.destroy();
    }

    private peek(bytes: number): Buffer {
      if (this.chunks[0].length >= bytes) return this.chunks[0].subarray(0, bytes);
      return Buffer.concat(this.chunks, this.buffered).subarray(0, bytes);
    }

    private consume(bytes: number): Buffer {
      const first = this.chunks[0];
      let taken: Buffer;
      if (first.length >= bytes) {
        taken = first.subarray(0, bytes);
        if (first.length === bytes) this.chunks.shift();
        else this.chunks[0] = first.subarray(bytes);
      } else {
        const all = Buffer.concat(this.chunks, this.buffered);
        taken = all.subarray(0, bytes);
        this.chunks = all.length > bytes ? [all.subarray(bytes)] : [];
      }
      this.buffered -= bytes;
      return taken;
    }
  }
  return RpcSocket;
}
