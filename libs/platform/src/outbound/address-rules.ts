import { BlockList, isIP } from 'node:net';

/*
 * Which IP addresses an outbound request (a webhook, a charge's `webhooksUrl`) may never reach: everything that is
 * not the public internet. A merchant-supplied URL that reaches one of these is server-side request forgery: the
 * cloud metadata service (169.254.169.254 hands out credentials), the cluster's own services, the loopback.
 *
 * IPv6 can carry an IPv4 address inside it (IPv4-mapped `::ffff:127.0.0.1`, IPv4-compatible `::127.0.0.1`, NAT64
 * `64:ff9b::7f00:1`, 6to4 `2002:7f00:1::`): those are unwrapped and the IPv4 inside is judged by the IPv4 rules, so
 * no spelling of a forbidden address gets through.
 */

/** Why an address is refused, in words a merchant's error message can carry. */
export type AddressCategory =
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'shared (CGNAT)'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'cloud metadata';

const IPV4_RULES: readonly [string, number, AddressCategory][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  // Alibaba Cloud's metadata service, inside CGNAT space anyway; named for the message (the first match names it).
  ['100.100.100.200', 32, 'cloud metadata'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.169.254', 32, 'cloud metadata'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  // IETF protocol assignments (192.0.0.192 is Oracle Cloud's metadata), TEST-NET-1, the old 6to4 relay anycast.
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  // Benchmarking (RFC 2544), then TEST-NET-2 and -3.
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  // Class E, which includes the limited broadcast 255.255.255.255.
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_RULES: readonly [string, number, AddressCategory][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  // Discard-only (RFC 6666), and NAT64's local-use prefix (RFC 8215), whose translator is somewhere of the operator's.
  ['100::', 64, 'reserved'],
  ['64:ff9b:1::', 48, 'reserved'],
  // Teredo hides the IPv4 client address obfuscated: it cannot be judged, so it is not reached.
  ['2001::', 32, 'reserved'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  // Site-local, deprecated but still routed by some networks as private.
  ['fec0::', 10, 'private'],
  ['ff00::', 8, 'multicast'],
];

function blockListOf(rules: readonly [string, number, AddressCategory][], type: 'ipv4' | 'ipv6') {
  return rules.map(([network, prefix, category]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return { list, category };
  });
}

const IPV4_BLOCKS = blockListOf(IPV4_RULES, 'ipv4');
const IPV6_BLOCKS = blockListOf(IPV6_RULES, 'ipv6');

/** The eight 16-bit groups of an IPv6 address in any textual form (`::`, an IPv4 tail, a zone id dropped). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0];
  const ipv4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail[1].split('.').map(Number);
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const first = parse(head);
  const last = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - first.length - last.length).fill(0);
  return [...first, ...zeros, ...last];
}

function ipv4OfGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 well-known prefix, 6to4), if any. */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT-translated).
  if (zeroUpTo(5) && g[5] === 0xffff) return ipv4OfGroups(g[6], g[7]);
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return ipv4OfGroups(g[6], g[7]);
  // ::a.b.c.d (compatible, deprecated); :: and ::1 themselves are judged as IPv6.
  if (zeroUpTo(6) && (g[6] !== 0 || g[7] > 1)) return ipv4OfGroups(g[6], g[7]);
  // 64:ff9b::a.b.c.d, NAT64's well-known prefix: the gateway connects to the IPv4 inside.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0)) {
    return ipv4OfGroups(g[6], g[7]);
  }
  // 2002:aabb:ccdd::/48, 6to4: the relay sends it to aa.bb.cc.dd.
  if (g[0] === 0x2002) return ipv4OfGroups(g[1], g[2]);
  return null;
}

/**
 * Why `address` (an IPv4 or IPv6 literal) must not be reached, or null when it is a public address. Anything that is
 * not an IP address at all is refused as reserved: a caller never gets a pass for text it did not understand.
 */
export function forbiddenAddressCategory(address: string): AddressCategory | null {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0];
  const family = isIP(bare);
  if (family === 4) return IPV4_BLOCKS.find(({ list }) => list.check(bare, 'ipv4'))?.category ?? null;
  if (family !== 6) return 'reserved';
  const ipv4 = embeddedIpv4(bare);
  if (ipv4 !== null) {
    const inner = forbiddenAddressCategory(ipv4);
    if (inner !== null) return inner;
  }
  return IPV6_BLOCKS.find(({ list }) => list.check(bare, 'ipv6'))?.category ?? null;
}
