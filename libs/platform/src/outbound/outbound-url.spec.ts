import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forbiddenAddressCategory } from './address-rules';
import {
  type ApprovedOutboundUrl,
  checkOutboundUrl,
  checkOutboundUrlSyntax,
  type HostResolver,
  parseAllowedHosts,
  pinnedLookup,
} from './outbound-url';

const NO_ALLOW_LIST = { allowedHosts: [] };
const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

/** A resolver answering from a table, counting its calls; an unknown name fails as DNS would. */
function resolverOf(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

describe('forbiddenAddressCategory: every range that is not the public internet', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['100.100.100.200', 'cloud metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.192', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is %s', (address, category) => {
    expect(forbiddenAddressCategory(address)).toBe(category);
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['[::1]', 'loopback'],
    // IPv4 inside IPv6: judged by the IPv4 inside, in each spelling.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'cloud metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:0:192.168.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['::a9fe:a9fe', 'cloud metadata'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['64:ff9b::ac10:1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::', 'private'],
  ])('IPv6 %s is %s', (address, category) => {
    expect(forbiddenAddressCategory(address)).toBe(category);
  });

  it.each([
    PUBLIC_V4,
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.63.255.255',
    '100.128.0.0',
    '192.169.0.1',
    '198.20.0.1',
    '223.255.255.255',
    PUBLIC_V6,
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(forbiddenAddressCategory(address)).toBeNull();
  });

  it('refuses what is not an IP address at all rather than passing it', () => {
    expect(forbiddenAddressCategory('not-an-address')).toBe('reserved');
  });
});

describe('checkOutboundUrlSyntax', () => {
  it('approves an https URL with a name, a port and a path, leaving the name unresolved', () => {
    const check = checkOutboundUrlSyntax('https://merchant.example:8443/hooks?x=1', NO_ALLOW_LIST);
    expect(check).toMatchObject({ ok: true, addresses: [] });
    expect(check.ok && check.url.port).toBe('8443');
  });

  it.each([
    ['not a url', 'invalid_url'],
    ['/relative/path', 'invalid_url'],
    ['http://merchant.example/hooks', 'scheme_not_allowed'],
    ['ftp://merchant.example/hooks', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://merchant.example/', 'scheme_not_allowed'],
    ['https://user:secret@merchant.example/hooks', 'credentials_not_allowed'],
    ['https://user@merchant.example/hooks', 'credentials_not_allowed'],
    ['https://169.254.169.254/latest/meta-data/', 'address_not_allowed'],
    ['https://127.0.0.1:8443/', 'address_not_allowed'],
    // The URL parser reads these as 127.0.0.1: the rules see the address it will connect to.
    ['https://2130706433/', 'address_not_allowed'],
    ['https://0x7f.0.0.1/', 'address_not_allowed'],
    ['https://127.1/', 'address_not_allowed'],
    ['https://[::1]/', 'address_not_allowed'],
    ['https://[::ffff:127.0.0.1]/', 'address_not_allowed'],
    ['https://[fd12:3456::1]:8443/', 'address_not_allowed'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'address_not_allowed'],
    ['https://METADATA.Google.Internal./', 'address_not_allowed'],
    ['https://localhost/', 'address_not_allowed'],
    ['https://app.localhost/', 'address_not_allowed'],
  ])('%s is refused: %s', (url, reason) => {
    expect(checkOutboundUrlSyntax(url, NO_ALLOW_LIST)).toMatchObject({ ok: false, reason });
  });

  it('approves a public IP literal with its one address, so no DNS is needed', () => {
    expect(checkOutboundUrlSyntax(`https://${PUBLIC_V4}/`, NO_ALLOW_LIST)).toMatchObject({
      ok: true,
      addresses: [{ address: PUBLIC_V4, family: 4 }],
    });
    expect(checkOutboundUrlSyntax(`https://[${PUBLIC_V6}]/`, NO_ALLOW_LIST)).toMatchObject({
      ok: true,
      addresses: [{ address: PUBLIC_V6, family: 6 }],
    });
  });

  it('lets an allow-listed host through the address rules and over http, and no other host over http', () => {
    const policy = { allowedHosts: parseAllowedHosts('127.0.0.1') };
    expect(checkOutboundUrlSyntax('http://127.0.0.1:4010/hooks', policy)).toMatchObject({
      ok: true,
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(checkOutboundUrlSyntax('https://127.0.0.1/hooks', policy)).toMatchObject({ ok: true });
    expect(checkOutboundUrlSyntax('http://127.0.0.2/hooks', policy)).toMatchObject({
      ok: false,
      reason: 'scheme_not_allowed',
    });
    expect(checkOutboundUrlSyntax('https://127.0.0.2/hooks', policy)).toMatchObject({
      ok: false,
      reason: 'address_not_allowed',
    });
  });

  it('matches allow-listed names whatever their case or trailing dot, and IPv6 entries in any spelling', () => {
    const policy = { allowedHosts: parseAllowedHosts(' Receiver.Local. ,[0:0::1]') };
    expect(checkOutboundUrlSyntax('http://RECEIVER.local./hooks', policy)).toMatchObject({ ok: true });
    expect(checkOutboundUrlSyntax('http://[::1]:9000/', policy)).toMatchObject({ ok: true });
  });
});

describe('checkOutboundUrl', () => {
  it('resolves the host and approves it with every address when all are public', async () => {
    const resolve = resolverOf({ 'merchant.example': [PUBLIC_V4, PUBLIC_V6] });
    const check = await checkOutboundUrl('https://merchant.example/hooks', NO_ALLOW_LIST, resolve);
    expect(check).toMatchObject({
      ok: true,
      addresses: [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
    });
    expect(resolve.calls).toEqual(['merchant.example']);
  });

  it.each([
    ['127.0.0.1'],
    ['10.0.0.5'],
    ['169.254.169.254'],
    ['::1'],
    ['::ffff:127.0.0.1'],
    ['64:ff9b::a9fe:a9fe'],
    ['fd00::1'],
  ])('refuses a name resolving to one public address and %s', async (privateAddress) => {
    const resolve = resolverOf({ 'rebind.example': [PUBLIC_V4, privateAddress] });
    expect(await checkOutboundUrl('https://rebind.example/', NO_ALLOW_LIST, resolve)).toMatchObject({
      ok: false,
      reason: 'address_not_allowed',
    });
  });

  it('resolves an uppercase name with a trailing dot as the one host', async () => {
    const resolve = resolverOf({ 'merchant.example': [PUBLIC_V4] });
    expect(await checkOutboundUrl('https://MERCHANT.Example./hooks', NO_ALLOW_LIST, resolve)).toMatchObject({
      ok: true,
    });
  });

  it('refuses a name that does not resolve, or resolves to nothing', async () => {
    const resolve = resolverOf({ 'empty.example': [] });
    expect(await checkOutboundUrl('https://nowhere.example/', NO_ALLOW_LIST, resolve)).toMatchObject({
      ok: false,
      reason: 'unresolvable_host',
    });
    expect(await checkOutboundUrl('https://empty.example/', NO_ALLOW_LIST, resolve)).toMatchObject({
      ok: false,
      reason: 'unresolvable_host',
    });
  });

  it('does not resolve what the syntax refused, nor an IP literal', async () => {
    const resolve = resolverOf({});
    expect(await checkOutboundUrl('http://merchant.example/', NO_ALLOW_LIST, resolve)).toMatchObject({
      reason: 'scheme_not_allowed',
    });
    expect(await checkOutboundUrl('https://169.254.169.254/', NO_ALLOW_LIST, resolve)).toMatchObject({
      reason: 'address_not_allowed',
    });
    expect(await checkOutboundUrl(`https://${PUBLIC_V4}/`, NO_ALLOW_LIST, resolve)).toMatchObject({ ok: true });
    expect(resolve.calls).toEqual([]);
  });

  it('exempts an allow-listed name from the address rules, and still pins it to what it resolved to', async () => {
    const resolve = resolverOf({ 'receiver.local': ['127.0.0.1'] });
    const policy = { allowedHosts: parseAllowedHosts('receiver.local') };
    expect(await checkOutboundUrl('http://receiver.local:4010/hooks', policy, resolve)).toMatchObject({
      ok: true,
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await checkOutboundUrl('https://receiver.local/', NO_ALLOW_LIST, resolve)).toMatchObject({
      ok: false,
      reason: 'address_not_allowed',
    });
  });

  it('resolves with the system resolver by default (localhost is on the allow-list here)', async () => {
    const check = await checkOutboundUrl('http://localhost/', { allowedHosts: ['localhost'] });
    expect(check.ok && check.addresses.map(({ address }) => address)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]),
    );
  });
});

describe('parseAllowedHosts', () => {
  it('splits, trims, lowercases, drops trailing dots, brackets, blanks and repeats', () => {
    expect(parseAllowedHosts(' 127.0.0.1, Receiver.Local.,, [::1] ,127.0.0.1 ')).toEqual([
      '127.0.0.1',
      'receiver.local',
      '::1',
    ]);
    expect(parseAllowedHosts('')).toEqual([]);
    expect(parseAllowedHosts(['Receiver.Local.', '127.0.0.1'])).toEqual(['receiver.local', '127.0.0.1']);
  });
});

describe('pinnedLookup', () => {
  const approved = (addresses: ApprovedOutboundUrl['addresses']): ApprovedOutboundUrl => ({
    ok: true,
    url: new URL('https://merchant.example/hooks'),
    addresses,
  });
  const lookupOnce = (lookup: ReturnType<typeof pinnedLookup>, hostname: string, options: unknown) =>
    new Promise<unknown[]>((resolve) => lookup(hostname, options, (...args: unknown[]) => resolve(args)));

  it('answers the approved address, as one or as all, whatever DNS would say now', async () => {
    const lookup = pinnedLookup(
      approved([
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ]),
    );
    expect(await lookupOnce(lookup, 'merchant.example', {})).toEqual([null, PUBLIC_V4, 4]);
    expect(await lookupOnce(lookup, 'Merchant.Example.', { all: true })).toEqual([
      null,
      [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
    ]);
    expect(await lookupOnce(lookup, 'merchant.example', { family: 6 })).toEqual([null, PUBLIC_V6, 6]);
    expect(await lookupOnce(lookup, 'merchant.example', 4)).toEqual([null, PUBLIC_V4, 4]);
  });

  it('answers no other host, and no family it has no address of', async () => {
    const lookup = pinnedLookup(approved([{ address: PUBLIC_V4, family: 4 }]));
    const [otherHost] = await lookupOnce(lookup, 'evil.example', {});
    expect(otherHost).toMatchObject({ code: 'ENOTFOUND' });
    const [noV6] = await lookupOnce(lookup, 'merchant.example', { family: 6 });
    expect(noV6).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('makes http.request connect to the approved address, not to what the name resolves to', async () => {
    const server = createServer((_request, response) => response.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // `pinned.invalid` resolves nowhere: only the pinned answer can take the request to the server.
      const check: ApprovedOutboundUrl = {
        ok: true,
        url: new URL(`http://pinned.invalid:${port}/`),
        addresses: [{ address: '127.0.0.1', family: 4 }],
      };
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(check.url, { lookup: pinnedLookup(check) as never }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.setTimeout(5_000, () => req.destroy(new Error('no answer')));
        req.end();
      });
      expect(status).toBe(204);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
