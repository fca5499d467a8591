/**
 * The signed token of a hosted-page link (the `token` of the redirect `requestUrl`): who may open the page of one
 * charge or agreement of one merchant, and until when. Stateless: `<expires at, Unix seconds>.<HMAC-SHA256>` where
 * the HMAC (base64url) covers a version, the object's kind and id, its merchant and the expiry, so none of them can
 * be changed without the secret. A token of the first format (an HMAC of the id alone, no expiry) is refused: such a
 * link would open its page forever.
 *
 * Why links expire: a link leaks where URLs leak (browser history, a shared screen, a proxy's or the return page's
 * logs), and whoever holds it may approve the payment. The consumer needs it only while the checkout is open (the
 * payment method's authentication timeout) and a little after, to see how it ended and find the way back to the
 * merchant; past its expiry it opens nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FailureCode } from '@payment-ledger/contracts';
import { DomainError, type DomainErrorKind } from '@payment-ledger/domain-kernel';

/** The object a link opens. */
export interface HostedPageSubject {
  kind: 'charge' | 'agreement';
  id: string;
  merchantId: string;
}

export type HostedPageLinkCheck = 'valid' | 'invalid' | 'expired';

const VERSION = 'v2';
const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export function signHostedPageLink(secret: string, subject: HostedPageSubject, expiresAt: Date): string {
  const expires = Math.ceil(expiresAt.getTime() / 1000);
  return `${expires}.${mac(secret, subject, expires).toString('base64url')}`;
}

/**
 * Whether `token` opens the page of `subject` at `now`. The signature is checked first (in constant time), so only
 * the holder of a genuine link learns that it expired; anything else, an old link without an expiry included, is
 * `invalid`.
 */
export function checkHostedPageLink(
  secret: string,
  subject: HostedPageSubject,
  token: string,
  now: Date,
): HostedPageLinkCheck {
  const match = TOKEN.exec(token);
  if (!match) return 'invalid';
  const expires = Number(match[1]);
  // Compared as text: decoding would accept the spare low bits of the last character as anything (base64url of 32
  // bytes), so several spellings of one signature would pass.
  const given = Buffer.from(match[2], 'ascii');
  const expected = Buffer.from(mac(secret, subject, expires).toString('base64url'), 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return now.getTime() < expires * 1000 ? 'valid' : 'expired';
}

function mac(secret: string, subject: HostedPageSubject, expires: number): Buffer {
  // Fields joined by a newline, which none of them can hold (ids are prefixed tokens), so no two subjects collide.
  const payload = [VERSION, subject.kind, subject.id, subject.merchantId, String(expires)].join('\n');
  return createHmac('sha256', secret).update(payload).digest();
}

/** The link is not one this platform made for this object (tampered, another object's, an old unexpiring one). */
export class HostedPageLinkInvalid extends DomainError<FailureCode> {
  readonly code = 'hosted_page_link_invalid';
  override readonly kind: DomainErrorKind = 'not_found';
  constructor() {
    super('This payment link is not valid');
  }
}

/** A genuine link past its expiry. */
export class HostedPageLinkExpired extends DomainError<FailureCode> {
  readonly code = 'hosted_page_link_expired';
  override readonly kind: DomainErrorKind = 'invalid';
  constructor() {
    super('This payment link has expired; go back to the merchant and start again');
  }
}

/** Throws the refusal a failed check stands for. */
export function assertHostedPageLink(check: HostedPageLinkCheck): void {
  if (check === 'invalid') throw new HostedPageLinkInvalid();
  if (check === 'expired') throw new HostedPageLinkExpired();
}
