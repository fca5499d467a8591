/**
 * Where a consumer may be sent back to after the provider's page: https anywhere; plain http only to the merchant's
 * own machine, and only in sandbox. One rule for charges and agreements.
 */
export function isAcceptableReturnUrl(raw: string, mode: 'SANDBOX' | 'LIVE'): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && mode === 'SANDBOX' && local;
}
