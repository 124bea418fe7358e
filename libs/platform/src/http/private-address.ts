import { BlockList, isIP } from 'node:net';

/**
 * Address ranges an outbound webhook must not reach unless the operator allows it: the machine itself, its private
 * networks, link-local (cloud metadata endpoints such as 169.254.169.254 live there) and addresses that are not
 * unicast destinations on the public Internet. Sources: IANA IPv4/IPv6 Special-Purpose Address Registries
 * (RFC 6890 and updates).
 */
const RANGES: { network: string; prefix: number; type: 'ipv4' | 'ipv6'; kind: AddressKind }[] = [
  { network: '0.0.0.0', prefix: 8, type: 'ipv4', kind: 'unspecified' },
  { network: '10.0.0.0', prefix: 8, type: 'ipv4', kind: 'private' },
  { network: '100.64.0.0', prefix: 10, type: 'ipv4', kind: 'private' }, // carrier-grade NAT (RFC 6598)
  { network: '127.0.0.0', prefix: 8, type: 'ipv4', kind: 'loopback' },
  { network: '169.254.0.0', prefix: 16, type: 'ipv4', kind: 'link-local' },
  { network: '172.16.0.0', prefix: 12, type: 'ipv4', kind: 'private' },
  { network: '192.0.0.0', prefix: 24, type: 'ipv4', kind: 'reserved' }, // IETF protocol assignments
  { network: '192.0.2.0', prefix: 24, type: 'ipv4', kind: 'reserved' }, // TEST-NET-1
  { network: '192.88.99.0', prefix: 24, type: 'ipv4', kind: 'reserved' }, // 6to4 relay anycast (deprecated)
  { network: '192.168.0.0', prefix: 16, type: 'ipv4', kind: 'private' },
  { network: '198.18.0.0', prefix: 15, type: 'ipv4', kind: 'reserved' }, // benchmarking
  { network: '198.51.100.0', prefix: 24, type: 'ipv4', kind: 'reserved' }, // TEST-NET-2
  { network: '203.0.113.0', prefix: 24, type: 'ipv4', kind: 'reserved' }, // TEST-NET-3
  { network: '224.0.0.0', prefix: 4, type: 'ipv4', kind: 'multicast' },
  { network: '240.0.0.0', prefix: 4, type: 'ipv4', kind: 'reserved' }, // includes 255.255.255.255 broadcast
  { network: '::', prefix: 128, type: 'ipv6', kind: 'unspecified' },
  { network: '::1', prefix: 128, type: 'ipv6', kind: 'loopback' },
  { network: '100::', prefix: 64, type: 'ipv6', kind: 'reserved' }, // discard-only
  { network: '2001:db8::', prefix: 32, type: 'ipv6', kind: 'reserved' }, // documentation
  { network: 'fc00::', prefix: 7, type: 'ipv6', kind: 'private' }, // unique local
  { network: 'fe80::', prefix: 10, type: 'ipv6', kind: 'link-local' },
  { network: 'fec0::', prefix: 10, type: 'ipv6', kind: 'private' }, // site-local (deprecated)
  { network: 'ff00::', prefix: 8, type: 'ipv6', kind: 'multicast' },
];

export type AddressKind = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

const lists = new Map<AddressKind, BlockList>();
for (const range of RANGES) {
  let list = lists.get(range.kind);
  if (!list) lists.set(range.kind, (list = new BlockList()));
  list.addSubnet(range.network, range.prefix, range.type);
}

/**
 * What kind of destination an IP address is. IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4
 * (2002::/16) IPv6 addresses are judged by the IPv4 address they carry, so a private IPv4 cannot be smuggled in IPv6
 * clothing. Anything that is not an IP address is `reserved` (never reachable, never allowed).
 */
export function classifyAddress(address: string): AddressKind {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (type === 'ipv6') {
    const embedded = embeddedIpv4(bare);
    if (embedded) return classifyAddress(embedded);
  }
  for (const [kind, list] of lists) if (list.check(bare, type)) return kind;
  return 'public';
}

/** The IPv4 address inside a NAT64 or 6to4 IPv6 address (IPv4-mapped ones BlockList already matches as IPv4). */
function embeddedIpv4(ipv6: string): string | undefined {
  const groups = expandIpv6(ipv6);
  if (!groups) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (handles `::` and a dotted IPv4 tail). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const octets = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, -dotted[1]!.length)}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
