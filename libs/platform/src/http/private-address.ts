import { BlockList, isIP } from 'node:net';

export type AddressKind = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'documentation' | 'special-purpose' | 'reserved';

/** An address's kind and, unless public, the block that makes it so (for error messages). */
export interface AddressClass {
  kind: AddressKind;
  block?: string;
}

/**
 * Every block an outbound webhook must not reach. Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/, .../iana-ipv6-special-registry/; RFC 6890 and the
 * RFC of each entry), the multicast blocks, and the IPv6 Address Space registry (only 2000::/3 is global unicast).
 *
 * Every registry block is refused, including those the registry marks globally reachable: they are anycast services
 * answered by the nearest instance — often inside the operator's own network (PCP, TURN, AMT, AS112, DNS-SD) — or
 * identifiers that are not locators (ORCHIDv2, DETs); none is a webhook receiver. Three IPv6 blocks instead carry an
 * IPv4 destination and are judged by it (see {@link describeAddress}): IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96
 * and 6to4 2002::/16. Teredo 2001::/32 is refused whole (its client address is obfuscated, and deprecated in practice).
 * `private-address.spec.ts` holds the registries as a literal table and checks every block.
 */
const BLOCKS: [cidr: string, kind: Exclude<AddressKind, 'public'>, name: string][] = [
  ['0.0.0.0/8', 'unspecified', '"This network"'],
  ['0.0.0.0/32', 'unspecified', '"This host on this network"'],
  ['10.0.0.0/8', 'private', 'Private-Use'],
  ['100.64.0.0/10', 'private', 'Shared Address Space (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback', 'Loopback'],
  ['169.254.0.0/16', 'link-local', 'Link Local'], // cloud metadata endpoints (169.254.169.254) live here
  ['172.16.0.0/12', 'private', 'Private-Use'],
  ['192.0.0.0/24', 'special-purpose', 'IETF Protocol Assignments'],
  ['192.0.0.0/29', 'special-purpose', 'IPv4 Service Continuity Prefix'],
  ['192.0.0.8/32', 'special-purpose', 'IPv4 dummy address'],
  ['192.0.0.9/32', 'special-purpose', 'Port Control Protocol Anycast'],
  ['192.0.0.10/32', 'special-purpose', 'TURN Anycast'],
  ['192.0.0.170/31', 'special-purpose', 'NAT64/DNS64 Discovery'],
  ['192.0.2.0/24', 'documentation', 'Documentation (TEST-NET-1)'],
  ['192.31.196.0/24', 'special-purpose', 'AS112-v4'],
  ['192.52.193.0/24', 'special-purpose', 'AMT'],
  ['192.88.99.0/24', 'special-purpose', 'Deprecated (6to4 Relay Anycast)'],
  ['192.88.99.2/32', 'special-purpose', '6a44-relay anycast address'],
  ['192.168.0.0/16', 'private', 'Private-Use'],
  ['192.175.48.0/24', 'special-purpose', 'Direct Delegation AS112 Service'],
  ['198.18.0.0/15', 'special-purpose', 'Benchmarking'],
  ['198.51.100.0/24', 'documentation', 'Documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation', 'Documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast', 'Multicast'],
  ['240.0.0.0/4', 'reserved', 'Reserved'],
  ['255.255.255.255/32', 'reserved', 'Limited Broadcast'],

  ['::/128', 'unspecified', 'Unspecified Address'],
  ['::1/128', 'loopback', 'Loopback Address'],
  ['::/96', 'reserved', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'special-purpose', 'IPv4-IPv6 Translation (local use)'],
  ['100::/64', 'special-purpose', 'Discard-Only Address Block'],
  ['100:0:0:1::/64', 'special-purpose', 'Dummy IPv6 Prefix'],
  ['2001::/23', 'special-purpose', 'IETF Protocol Assignments'],
  ['2001::/32', 'special-purpose', 'Teredo'],
  ['2001:1::1/128', 'special-purpose', 'Port Control Protocol Anycast'],
  ['2001:1::2/128', 'special-purpose', 'TURN Anycast'],
  ['2001:1::3/128', 'special-purpose', 'DNS-SD Service Registration Protocol Anycast'],
  ['2001:2::/48', 'special-purpose', 'Benchmarking'],
  ['2001:3::/32', 'special-purpose', 'AMT'],
  ['2001:4:112::/48', 'special-purpose', 'AS112-v6'],
  ['2001:10::/28', 'special-purpose', 'Deprecated (previously ORCHID)'],
  ['2001:20::/28', 'special-purpose', 'ORCHIDv2'],
  ['2001:30::/28', 'special-purpose', 'Drone Remote ID Protocol Entity Tags'],
  ['2001:db8::/32', 'documentation', 'Documentation'],
  ['2620:4f:8000::/48', 'special-purpose', 'Direct Delegation AS112 Service'],
  ['3fff::/20', 'documentation', 'Documentation'],
  ['5f00::/16', 'special-purpose', 'Segment Routing (SRv6) SIDs'],
  ['fc00::/7', 'private', 'Unique-Local'],
  ['fe80::/10', 'link-local', 'Link-Local Unicast'],
  ['fec0::/10', 'private', 'Site-Local (deprecated)'],
  ['ff00::/8', 'multicast', 'Multicast'],
];

/** One BlockList per block, most specific first, so the first match names the narrowest block. */
const LISTS = BLOCKS.map(([cidr, kind, name]) => {
  const [network, prefix] = cidr.split('/') as [string, string];
  const type = network.includes(':') ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), type);
  return { list, type, kind, block: `${cidr} ${name}`, prefix: Number(prefix) };
}).sort((a, b) => b.prefix - a.prefix);

const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/** The IPv6 blocks that carry an IPv4 destination, with where it sits (group index of its high half). */
const CARRIERS: { name: string; matches: (g: number[]) => boolean; at: number }[] = [
  { name: '::ffff:0:0/96 IPv4-mapped', matches: (g) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff, at: 6 },
  { name: '64:ff9b::/96 NAT64', matches: (g) => g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0), at: 6 },
  { name: '2002::/16 6to4', matches: (g) => g[0] === 0x2002, at: 1 },
];

/**
 * What kind of destination an IP address is: `public` only for an address no special-purpose, private, multicast or
 * reserved block holds. Anything that is not an IP address is `reserved` (never allowed).
 */
export function classifyAddress(address: string): AddressKind {
  return describeAddress(address).kind;
}

/**
 * {@link classifyAddress} with the block that decided it. IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 addresses are
 * judged by the IPv4 address they carry, so a private IPv4 cannot be smuggled in IPv6 clothing; any other IPv6
 * address outside 2000::/3 is reserved.
 */
export function describeAddress(address: string): AddressClass {
  let bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = bare.indexOf('%');
  if (zone >= 0) bare = bare.slice(0, zone);
  const family = isIP(bare);
  if (family === 0) return { kind: 'reserved', block: 'not an IP address' };
  if (family === 6) {
    const groups = expandIpv6(bare);
    if (!groups) return { kind: 'reserved', block: 'not an IP address' };
    const carrier = CARRIERS.find((c) => c.matches(groups));
    if (carrier) {
      const [hi, lo] = [groups[carrier.at]!, groups[carrier.at + 1]!];
      const inner = describeAddress(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
      return inner.kind === 'public' ? inner : { kind: inner.kind, block: `${inner.block}, carried in ${carrier.name}` };
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = LISTS.find((entry) => entry.type === type && entry.list.check(bare, type));
  if (hit) return { kind: hit.kind, block: hit.block };
  if (type === 'ipv6' && !GLOBAL_UNICAST.check(bare, 'ipv6')) return { kind: 'reserved', block: 'outside 2000::/3, the only global unicast IPv6 space' };
  return { kind: 'public' };
}

/** Eight 16-bit groups of an IPv6 address (handles `::` and a dotted IPv4 tail). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
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
