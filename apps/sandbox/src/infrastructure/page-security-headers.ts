import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { PAGE_STYLE } from '../domain/hosted-page.view';

/**
 * Headers on every answer of the hosted pages. A page's link carries its token (the consumer's right to decide the
 * payment), so:
 * - `Referrer-Policy: no-referrer`: the "Return to merchant" link and the redirect after a decision must not hand the
 *   URL, token included, to the merchant's site or anyone it loads;
 * - `Content-Security-Policy`: nothing from anywhere (no script at all), but the one inline stylesheet, allowed by its
 *   hash; no `<base>`; `frame-ancestors 'none'` so no other site can frame the page and trick a click on Approve
 *   (`X-Frame-Options: DENY` says the same to older browsers). `form-action` is left out on purpose: browsers apply
 *   it to the redirect after the POST, which goes to the merchant's own return URL;
 * - `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store` (a page shows a payment and holds a token).
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(PAGE_STYLE, 'utf8').digest('base64')}'`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** Express middleware putting PAGE_SECURITY_HEADERS on every answer, refusals and unknown paths included. */
export function pageSecurityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.set(PAGE_SECURITY_HEADERS);
  next();
}
