/**
 * What a log line may not carry: API keys, secrets, tokens (hosted-page links carry a signed one), consumers' names,
 * emails, phone numbers and cards. Three layers, because no single one sees everything:
 * - pino's `redact` paths, for known places whatever their key is called (request headers, query strings, bodies);
 * - masking by key name, at any depth, for fields whose name says what they hold (`apiKey`, `consumer`, `email`…);
 * - masking by value, for text that embeds a secret in something innocent-looking (an error message quoting an
 *   API key, a URL with `?token=`).
 */
export const REDACTED = '[redacted]';

/**
 * pino `redact` paths: a request's headers that authenticate, and anything a caller sends in a query or a body, at
 * the top of an entry or under `req`. No wildcards: a wildcard path makes pino walk every entry (about 20 µs a line
 * here, against 3 µs for a line without), and keys at any depth are masked by name anyway (maskSensitive).
 */
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'query',
  'req.query',
  'body',
  'req.body',
] as const;

const SENSITIVE_KEY =
  /(authorization|api[-_]?key|secret|password|passphrase|token|signature|email|phone|consumer|name$|card|cvc|cvv|iban|cookie)/i;
/** Keys that match the pattern above but name no secret or person. */
const SAFE_KEYS = new Set(['service', 'hostname', 'pathname']);

const SECRET_IN_TEXT: [RegExp, string][] = [
  // An API key anywhere in a text: its mode stays readable, the key does not.
  [/\b(sk_[a-z]+_)[A-Za-z0-9_-]{8,}/g, `$1${REDACTED}`],
  // A bearer credential.
  [/\b(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  // A token, signature or key in a URL's query string.
  [/([?&](?:token|sig|signature|key|api_key|secret)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  // An email address.
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, REDACTED],
];

/** What every pattern of SECRET_IN_TEXT needs in a text; most texts (ids, routes, times) have none of it. */
const MAY_HOLD_SECRET = /sk_|bearer|@|=/i;

/** A text with the secrets it embeds masked. */
export function maskSensitiveText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let masked = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) masked = masked.replace(pattern, replacement);
  return masked;
}

/** Verdicts by key: entries repeat the same few keys, and a lookup costs less than the pattern (bounded). */
const verdicts = new Map<string, boolean>();

function isSensitiveKey(key: string): boolean {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = !SAFE_KEYS.has(key) && SENSITIVE_KEY.test(key);
    if (verdicts.size < 10_000) verdicts.set(key, verdict);
  }
  return verdict;
}

/**
 * A copy of `value` with every value under a sensitive key replaced by `[redacted]` and every string masked
 * (maskSensitiveText); an Error becomes its name, message and stack (masked too). Depth is bounded.
 */
export function maskSensitive<T>(value: T): T {
  return mask(value, 0) as T;
}

function mask(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[too deep]';
  if (value instanceof Error) {
    const { code } = value as { code?: unknown };
    return {
      name: value.name,
      message: maskSensitiveText(value.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      stack: value.stack === undefined ? undefined : maskSensitiveText(value.stack),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSensitiveKey(key) ? REDACTED : mask(v, depth + 1);
  }
  return out;
}
