import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { newSigningSecret } from '../domain/standard-webhooks';

/**
 * A signing secret as an endpoint or a merchant holds it, sealed: the current one, and the one before the last
 * rotation with the time it stops signing (Standard Webhooks: several signatures during a rotation).
 */
export interface SealedSigningSecrets {
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
}

/**
 * Endpoint signing secrets at rest: AES-256-GCM under a key derived from WEBHOOK_SECRETS_KEY (SHA-256 of the
 * setting, so any secret of the config's minimum length will do). A ciphertext is `v1.<iv>.<tag>.<data>`
 * (base64url): the version names the scheme, so a later key rotation can add `v2` beside it. A ciphertext altered or
 * sealed under another key fails to open (the GCM tag): never a wrong secret silently.
 */
/** Secrets kept open (the endpoints and merchants busy at once); the oldest opened goes first. */
const OPENED_KEPT = 10_000;

export class SecretBox {
  private readonly key: Buffer;
  private readonly opened = new Map<string, string>();

  constructor(secretsKey: string) {
    this.key = createHash('sha256').update(secretsKey, 'utf8').digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(ciphertext: string): string {
    const known = this.opened.get(ciphertext);
    if (known !== undefined) return known;
    const plaintext = this.decrypt(ciphertext);
    // The secrets in use, kept open in memory (as they are while signing anyway): no AES per attempt.
    if (this.opened.size >= OPENED_KEPT) this.opened.delete(this.opened.keys().next().value as string);
    this.opened.set(ciphertext, plaintext);
    return plaintext;
  }

  private decrypt(ciphertext: string): string {
    const [version, iv, tag, data] = ciphertext.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined) {
      throw new Error('not a sealed webhook secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** A new signing secret (to show once) and how it is held: sealed, with no previous one. */
  issue(): { secret: string; sealed: SealedSigningSecrets } {
    const secret = newSigningSecret();
    return {
      secret,
      sealed: { secretCiphertext: this.seal(secret), previousSecretCiphertext: null, previousSecretExpiresAt: null },
    };
  }

  /** The secrets that sign a delivery now: the current one, and the previous one until its overlap ends. */
  signingSecrets(held: SealedSigningSecrets, now: Date): string[] {
    const secrets = [this.open(held.secretCiphertext)];
    const { previousSecretCiphertext: previous, previousSecretExpiresAt: until } = held;
    if (previous && until && until.getTime() > now.getTime()) secrets.push(this.open(previous));
    return secrets;
  }

  /**
   * Rotates the held secrets in place: a new current one (answered, to show once), the current one kept as the
   * previous until `now + overlapMs`.
   */
  rotate(held: SealedSigningSecrets, now: Date, overlapMs: number): string {
    const secret = newSigningSecret();
    held.previousSecretCiphertext = held.secretCiphertext;
    held.previousSecretExpiresAt = new Date(now.getTime() + overlapMs);
    held.secretCiphertext = this.seal(secret);
    return secret;
  }
}
