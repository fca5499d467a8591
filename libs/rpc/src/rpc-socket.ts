import type { Socket } from 'node:net';
import type { Type } from '@nestjs/common';
import { TcpSocket } from '@nestjs/microservices';
import type { JsonLogger } from '@payment-ledger/platform';
import type { FrameSigner, FrameVerifier } from './frame-auth';

const HASH = 0x23; // '#'
const ANSWER_TOO_LARGE = {
  kind: 'internal',
  failureCode: 'answer_too_large',
  failureMessage: 'The answer exceeds RPC_MAX_FRAME_BYTES',
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
}

/**
 * The RPC kit's framing for `@nestjs/microservices` TCP (given as the transport's `socketClass`): `<bytes>#<frame>`
 * like Nest's JsonSocket, but the length is in bytes and checked against `maxFrameBytes` as soon as it is read (Nest's
 * JsonSocket buffers up to 512 MB per connection before it looks), commands are signed once from the JSON they are
 * sent as, and verified before their JSON is parsed (frame-auth.ts).
 */
export function rpcSocketClass(options: RpcSocketOptions): Type<TcpSocket> {
  const { maxFrameBytes, signer, verifier, logger, side } = options;

  class RpcSocket extends TcpSocket {
    private chunks: Buffer[] = [];
    private buffered = 0;
    /** Byte length of the frame being read; -1 while its prefix is not complete. */
    private frameLength = -1;
    private refused = false;
    private backpressured = false;

    constructor(socket: Socket) {
      super(socket);
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
      this.socket.emit('message', message ?? {});
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
