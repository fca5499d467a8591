import { isISO31661Alpha2, isISO8601 } from 'class-validator';

/**
 * The string formats body schemas use (`format` in a schema and in the OpenAPI document; the names are the gateway's
 * own, as OpenAPI leaves formats open), each with its check and what a value that fails it must be.
 */
export const FORMATS: Record<string, { test: (value: string) => boolean; message: string }> = {
  /**
   * An absolute http(s) URL as a browser reads it (WHATWG), which is how the services check return URLs further
   * (libs/contracts return-url.ts). Localhost and hosts without a top-level domain are fine here. class-validator's
   * isURL took 2.8 µs a URL, ten times ajv's whole check of a create-charge body.
   */
  'http-url': { test: isHttpUrl, message: 'must be an absolute http or https URL' },
  'iso-3166-alpha-2': {
    test: (value) => isISO31661Alpha2(value),
    message: 'must be an ISO 3166-1 alpha-2 country code such as US',
  },
  'iso-8601': {
    test: (value) => isISO8601(value, { strict: true }),
    message: 'must be an ISO 8601 date-time such as 2025-03-26T20:24:27Z',
  },
};

function isHttpUrl(value: string): boolean {
  // `new URL('https:shop.example')` reads a host too: the scheme's `//` is required. White space, which a browser
  // would encode, is refused as isURL refused it.
  if (!/^https?:\/\/[^/\s]\S*$/i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}
