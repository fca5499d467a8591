import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Command authentication of the RPC kit: every command frame carries `<timestamp>.<message id>.<signature>.` before
 * its JSON, the signature being HMAC-SHA256 (base64url) over `<timestamp>.<message id>.<JSON bytes>` with the first
 * of the shared secrets (RPC_SIGNING_SECRETS). The server checks it against every secret (rotation: add the new
 * secret second everywhere, then first, then drop the old one), before it parses the JSON, and refuses a frame that
 * is unsigned, forged, older (or newer) than the window, or whose message id it has already seen in the window.
 */
export const REPLAY_WINDOW_MS = 30_000;
const SIGNATURE_BYTES = 32;
const SIGNATURE_CHARS = 43; // base64url of 32 bytes, no padding
const MAX_HEADER_BYTES = 128;
const DOT = 0x2e;

export type FrameRefusal = 'unsigned' | 'forged' | 'stale' | 'replayed';

export type VerifiedFrame =
  | { ok: true; body: Buffer; messageId: string }
  | { ok: false; reason: FrameRefusal; messageId?: string; ageMs?: number };

/** Signs the serialized command once: the frame body is the JSON as it will be sent. */
export class FrameSigner {
  /** Message ids: a random per-process prefix and a counter (unique without a random draw per message). */
  private readonly idPrefix = randomBytes(12).toString('base64url');
  private counter = 0;

  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** `<header><json bytes>`; the header is ASCII. */
  sign(json: string): { header: string; body: Buffer } {
    const head = `${this.now()}.${this.idPrefix}${(this.counter++).toString(36)}.`;
    const body = Buffer.from(json, 'utf8');
    const signature = createHmac('sha256', this.secret).update(head).update(body).digest('base64url');
    return { header: `${head}${signature}.`, body };
  }
}

export class FrameVerifier {
  private readonly keys: string[];
  /** Message ids seen within the window → when they may be forgotten (insertion order ≈ time order). */
  private readonly seen = new Map<string, number>();

  constructor(
    secrets: readonly string[],
    private readonly windowMs = REPLAY_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    if (secrets.length === 0) throw new Error('at least one RPC signing secret is required');
    this.keys = [...secrets];
  }

  verify(frame: Buffer): VerifiedFrame {
    // <ts>.<id>.<sig>.<json>: three dots within the header, the JSON after them.
    const limit = Math.min(frame.length, MAX_HEADER_BYTES);
    const first = frame.indexOf(DOT);
    const second = first > 0 && first < limit ? frame.indexOf(DOT, first + 1) : -1;
    const third = second > 0 && second < limit ? frame.indexOf(DOT, second + 1) : -1;
    if (third < 0 || third >= limit || third - second - 1 !== SIGNATURE_CHARS) return { ok: false, reason: 'unsigned' };
    const timestamp = Number(frame.toString('latin1', 0, first));
    const messageId = frame.toString('latin1', first + 1, second);
    if (!Number.isSafeInteger(timestamp) || messageId.length === 0) return { ok: false, reason: 'unsigned' };
    const given = Buffer.from(frame.toString('latin1', second + 1, third), 'base64url');
    if (given.length !== SIGNATURE_BYTES) return { ok: false, reason: 'unsigned' };
    const signed = frame.subarray(0, second + 1);
    const body = frame.subarray(third + 1);
    if (
      !this.keys.some((key) => timingSafeEqual(createHmac('sha256', key).update(signed).update(body).digest(), given))
    ) {
      return { ok: false, reason: 'forged', messageId };
    }
    const now = this.now();
    const ageMs = now - timestamp;
    if (Math.abs(ageMs) > this.windowMs) return { ok: false, reason: 'stale', messageId, ageMs };
    this.forgetExpired(now);
    if (this.seen.has(messageId)) return { ok: false, reason: 'replayed', messageId, ageMs };
    this.seen.set(messageId, Math.max(now, timestamp) + this.windowMs);
    return { ok: true, body, messageId };
  }

  private forgetExpired(now: number): void {
    for (const [id, forgetAt] of this.seen) {
      if (forgetAt > now) break;
      this.seen.delete(id);
    }
  }
}
