import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AddressCategory, forbiddenAddressCategory } from './address-rules';

/*
 * The one guard for every URL this system calls on a merchant's say-so: webhook endpoints, a charge's or an
 * agreement's `webhooksUrl`, and whatever comes later. A merchant chooses the URL and we make the request from inside
 * our network, so without this guard a URL is a way in: to the cloud metadata service (credentials), to the database,
 * to the services' ops ports.
 *
 * The rule: https to a host whose every address is public. Checked when the URL is given (so a merchant hears at
 * once) and again when it is called, because DNS can change in between (DNS rebinding: public when checked, 127.0.0.1
 * when called). At call time `pinnedLookup` makes the connection use the addresses just checked, never a second
 * answer. An operator's allow-list (WEBHOOK_ALLOWED_HOSTS) exempts named hosts, the local stack's receiver on
 * 127.0.0.1 for one, and only those may be called over plain http.
 */

export interface OutboundUrlPolicy {
  /** Hosts (names or IP literals, lowercase) exempt from the address rules, and the only ones allowed over http. */
  allowedHosts: readonly string[];
}

export type OutboundUrlRefusal =
  'invalid_url' | 'scheme_not_allowed' | 'credentials_not_allowed' | 'address_not_allowed' | 'unresolvable_host';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type OutboundUrlCheck =
  { ok: true; url: URL; addresses: ResolvedAddress[] } | { ok: false; reason: OutboundUrlRefusal; message: string };

export type ApprovedOutboundUrl = Extract<OutboundUrlCheck, { ok: true }>;

export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** How long a host's resolution may take before the URL is refused as unresolvable. */
const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * Names that reach a cloud provider's metadata service (or the machine itself) without going through public DNS,
 * refused by name since the resolver that answers them is the cloud's own.
 */
const FORBIDDEN_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

const defaultResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** `Example.COM.` and `example.com` are one host; `[::1]` is `::1`. URL parsing already lowercases. */
function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '');
}

/** An allow-list entry as URL parsing would spell the host (IPv6 compressed, IPv4 in dotted decimal). */
function canonicalHost(entry: string): string {
  const host = normalizeHost(entry);
  if (host === '') return host;
  try {
    return normalizeHost(new URL(`http://${isIP(host) === 6 ? `[${host}]` : host}/`).hostname);
  } catch {
    return host;
  }
}

/**
 * Parses WEBHOOK_ALLOWED_HOSTS style comma-separated config (`127.0.0.1, receiver.local`), or the list the config
 * field already split, into the policy's list: canonical hosts, no repeats.
 */
export function parseAllowedHosts(value: string | readonly string[]): string[] {
  const hosts = (typeof value === 'string' ? value.split(',') : value).map(canonicalHost).filter((host) => host !== '');
  return [...new Set(hosts)];
}

function isAllowListed(host: string, policy: OutboundUrlPolicy): boolean {
  return policy.allowedHosts.some((entry) => canonicalHost(entry) === host);
}

function refusal(reason: OutboundUrlRefusal, message: string): OutboundUrlCheck {
  return { ok: false, reason, message };
}

function addressRefusal(host: string, category: AddressCategory): OutboundUrlCheck {
  return refusal('address_not_allowed', `${host} is a ${category} address, which cannot receive requests from us`);
}

/** Syntax and scheme only (no DNS): https, or http only for an allow-listed host; no user:password; IP-literal hosts
 * checked against the address rules here already. An approved IP literal comes with its one address; a name with
 * none (resolving is `checkOutboundUrl`'s). */
export function checkOutboundUrlSyntax(url: string, policy: OutboundUrlPolicy): OutboundUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refusal('invalid_url', 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return refusal('scheme_not_allowed', 'must be an https URL');
  }
  const host = normalizeHost(parsed.hostname);
  if (host === '') return refusal('invalid_url', 'must name a host');
  const allowListed = isAllowListed(host, policy);
  if (parsed.protocol === 'http:' && !allowListed) {
    return refusal('scheme_not_allowed', `must be an https URL (http only to a host on the operator's allow-list)`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return refusal('credentials_not_allowed', 'must not carry a user name or password');
  }
  const family = isIP(host);
  if (family === 4 || family === 6) {
    if (!allowListed) {
      const category = forbiddenAddressCategory(host);
      if (category !== null) return addressRefusal(host, category);
    }
    return { ok: true, url: parsed, addresses: [{ address: host, family }] };
  }
  if (!allowListed && (FORBIDDEN_NAMES.has(host) || host.endsWith('.localhost'))) {
    return refusal('address_not_allowed', `${host} is a local or cloud metadata name, which cannot receive requests`);
  }
  return { ok: true, url: parsed, addresses: [] };
}

async function resolveWithTimeout(host: string, resolve: HostResolver): Promise<ResolvedAddress[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((done) => {
    timer = setTimeout(() => done(null), RESOLVE_TIMEOUT_MS);
  });
  try {
    const answers = await Promise.race([resolve(host).catch(() => null), timeout]);
    if (answers === null || answers.length === 0) return null;
    return answers.map(({ address }) => {
      const family = isIP(address);
      return { address, family: family === 6 ? 6 : 4 };
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The full check: syntax, then the host's every A/AAAA record, refused if ANY is not public (a name answering one
 * public and one private address is refused: which one a connection would use is not ours to choose), unless the
 * host is allow-listed. The approved check carries the addresses, for `pinnedLookup`.
 */
export async function checkOutboundUrl(
  url: string,
  policy: OutboundUrlPolicy,
  resolve: HostResolver = defaultResolver,
): Promise<OutboundUrlCheck> {
  const syntax = checkOutboundUrlSyntax(url, policy);
  if (!syntax.ok || syntax.addresses.length > 0) return syntax;
  const host = normalizeHost(syntax.url.hostname);
  const addresses = await resolveWithTimeout(host, resolve);
  if (addresses === null) return refusal('unresolvable_host', `${host} does not resolve to an address`);
  if (!isAllowListed(host, policy)) {
    for (const { address } of addresses) {
      const category = forbiddenAddressCategory(address);
      if (category !== null) {
        return refusal(
          'address_not_allowed',
          `${host} resolves to a ${category} address, which cannot receive requests`,
        );
      }
    }
  }
  return { ok: true, url: syntax.url, addresses };
}

type LookupCallback = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A `lookup` for http(s).request (or undici's connect options) that answers ONLY with the addresses the check
 * approved, so the connection goes where the check looked: no second DNS answer between check and connect. Any other
 * host name is an error (a redirect would need its own check; redirects are not followed anyway).
 */
export function pinnedLookup(
  check: ApprovedOutboundUrl,
): (hostname: string, options: unknown, callback: LookupCallback) => void {
  const approvedHost = normalizeHost(check.url.hostname);
  return (hostname, options, callback) => {
    const opts: { family?: unknown; all?: unknown } =
      typeof options === 'number' ? { family: options } : ((options ?? {}) as { family?: unknown; all?: unknown });
    const wantedFamily =
      opts.family === 4 || opts.family === 'IPv4' ? 4 : opts.family === 6 || opts.family === 'IPv6' ? 6 : 0;
    const candidates = check.addresses.filter(({ family }) => wantedFamily === 0 || family === wantedFamily);
    if (normalizeHost(hostname) !== approvedHost || candidates.length === 0) {
      const error = Object.assign(new Error(`${hostname} is not the approved host ${approvedHost}`), {
        code: 'ENOTFOUND',
        hostname,
      });
      process.nextTick(() => callback(error));
      return;
    }
    process.nextTick(() =>
      opts.all === true
        ? callback(
            null,
            candidates.map(({ address, family }) => ({ address, family })),
          )
        : callback(null, candidates[0].address, candidates[0].family),
    );
  };
}
