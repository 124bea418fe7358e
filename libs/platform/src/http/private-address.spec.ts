import { describe, expect, it } from 'vitest';
import { classifyAddress, describeAddress, type AddressKind } from './private-address';

type Probe = [address: string, expected: AddressKind];
/** block, registry name, the registry's "Globally Reachable" column, then an address at the start, inside and at the end with its expected kind. */
type RegistryRow = [block: string, name: string, globallyReachable: boolean | 'n/a', start: Probe, inside: Probe, end: Probe];

/**
 * The IANA IPv4 Special-Purpose Address Registry, every entry, copied from
 * https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890 and the RFCs named in each entry).
 *
 * Verdict rule: every block is refused, the globally reachable ones too — those are anycast services answered by the
 * nearest instance, often inside the operator's own network (PCP, TURN, AMT, AS112), never a webhook receiver.
 */
const IPV4_REGISTRY: RegistryRow[] = [
  ['0.0.0.0/8', '"This network" (RFC 791)', false, ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['0.255.255.255', 'unspecified']],
  ['0.0.0.0/32', '"This host on this network" (RFC 1122)', false, ['0.0.0.0', 'unspecified'], ['0.0.0.0', 'unspecified'], ['0.0.0.0', 'unspecified']],
  ['10.0.0.0/8', 'Private-Use (RFC 1918)', false, ['10.0.0.0', 'private'], ['10.20.30.40', 'private'], ['10.255.255.255', 'private']],
  ['100.64.0.0/10', 'Shared Address Space (RFC 6598)', false, ['100.64.0.0', 'private'], ['100.100.100.200', 'private'], ['100.127.255.255', 'private']],
  ['127.0.0.0/8', 'Loopback (RFC 1122)', false, ['127.0.0.0', 'loopback'], ['127.0.0.1', 'loopback'], ['127.255.255.255', 'loopback']],
  ['169.254.0.0/16', 'Link Local (RFC 3927)', false, ['169.254.0.0', 'link-local'], ['169.254.169.254', 'link-local'], ['169.254.255.255', 'link-local']],
  ['172.16.0.0/12', 'Private-Use (RFC 1918)', false, ['172.16.0.0', 'private'], ['172.20.1.1', 'private'], ['172.31.255.255', 'private']],
  ['192.0.0.0/24', 'IETF Protocol Assignments (RFC 6890)', false, ['192.0.0.0', 'special-purpose'], ['192.0.0.100', 'special-purpose'], ['192.0.0.255', 'special-purpose']],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix (RFC 7335)', false, ['192.0.0.0', 'special-purpose'], ['192.0.0.4', 'special-purpose'], ['192.0.0.7', 'special-purpose']],
  ['192.0.0.8/32', 'IPv4 dummy address (RFC 7600)', false, ['192.0.0.8', 'special-purpose'], ['192.0.0.8', 'special-purpose'], ['192.0.0.8', 'special-purpose']],
  ['192.0.0.9/32', 'Port Control Protocol Anycast (RFC 7723)', true, ['192.0.0.9', 'special-purpose'], ['192.0.0.9', 'special-purpose'], ['192.0.0.9', 'special-purpose']],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast (RFC 8155)', true, ['192.0.0.10', 'special-purpose'], ['192.0.0.10', 'special-purpose'], ['192.0.0.10', 'special-purpose']],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery (RFC 8880)', false, ['192.0.0.170', 'special-purpose'], ['192.0.0.170', 'special-purpose'], ['192.0.0.170', 'special-purpose']],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery (RFC 8880)', false, ['192.0.0.171', 'special-purpose'], ['192.0.0.171', 'special-purpose'], ['192.0.0.171', 'special-purpose']],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1) (RFC 5737)', false, ['192.0.2.0', 'documentation'], ['192.0.2.10', 'documentation'], ['192.0.2.255', 'documentation']],
  ['192.31.196.0/24', 'AS112-v4 (RFC 7535)', true, ['192.31.196.0', 'special-purpose'], ['192.31.196.1', 'special-purpose'], ['192.31.196.255', 'special-purpose']],
  ['192.52.193.0/24', 'AMT (RFC 7450)', true, ['192.52.193.0', 'special-purpose'], ['192.52.193.1', 'special-purpose'], ['192.52.193.255', 'special-purpose']],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast) (RFC 7526)', 'n/a', ['192.88.99.0', 'special-purpose'], ['192.88.99.1', 'special-purpose'], ['192.88.99.255', 'special-purpose']],
  ['192.88.99.2/32', '6a44-relay anycast address (RFC 6751)', true, ['192.88.99.2', 'special-purpose'], ['192.88.99.2', 'special-purpose'], ['192.88.99.2', 'special-purpose']],
  ['192.168.0.0/16', 'Private-Use (RFC 1918)', false, ['192.168.0.0', 'private'], ['192.168.1.1', 'private'], ['192.168.255.255', 'private']],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service (RFC 7534)', true, ['192.175.48.0', 'special-purpose'], ['192.175.48.6', 'special-purpose'], ['192.175.48.255', 'special-purpose']],
  ['198.18.0.0/15', 'Benchmarking (RFC 2544)', false, ['198.18.0.0', 'special-purpose'], ['198.19.1.1', 'special-purpose'], ['198.19.255.255', 'special-purpose']],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2) (RFC 5737)', false, ['198.51.100.0', 'documentation'], ['198.51.100.7', 'documentation'], ['198.51.100.255', 'documentation']],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3) (RFC 5737)', false, ['203.0.113.0', 'documentation'], ['203.0.113.7', 'documentation'], ['203.0.113.255', 'documentation']],
  ['240.0.0.0/4', 'Reserved (RFC 1112)', false, ['240.0.0.0', 'reserved'], ['250.1.2.3', 'reserved'], ['255.255.255.255', 'reserved']],
  ['255.255.255.255/32', 'Limited Broadcast (RFC 919)', false, ['255.255.255.255', 'reserved'], ['255.255.255.255', 'reserved'], ['255.255.255.255', 'reserved']],
];

/**
 * The IANA IPv6 Special-Purpose Address Registry, every entry, copied from
 * https://www.iana.org/assignments/iana-ipv6-special-registry/ (RFC 6890 and the RFCs named in each entry).
 *
 * Verdict rule: every block is refused, globally reachable or not, except the two that carry a real IPv4 destination:
 * the NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC 3056) are judged by the IPv4 address
 * inside, like IPv4-mapped ::ffff:0:0/96 (which is how a dual-stack socket spells an IPv4 destination). Teredo
 * (2001::/32) is refused whole: its client address is obfuscated inside, and no webhook receiver lives behind it.
 */
const IPV6_REGISTRY: RegistryRow[] = [
  ['::1/128', 'Loopback Address (RFC 4291)', false, ['::1', 'loopback'], ['::1', 'loopback'], ['::1', 'loopback']],
  ['::/128', 'Unspecified Address (RFC 4291)', false, ['::', 'unspecified'], ['::', 'unspecified'], ['::', 'unspecified']],
  ['::ffff:0:0/96', 'IPv4-mapped Address (RFC 4291)', false, ['::ffff:0.0.0.0', 'unspecified'], ['::ffff:10.1.2.3', 'private'], ['::ffff:255.255.255.255', 'reserved']],
  ['64:ff9b::/96', 'IPv4-IPv6 Translat. (RFC 6052)', true, ['64:ff9b::', 'unspecified'], ['64:ff9b::808:808', 'public'], ['64:ff9b::ffff:ffff', 'reserved']],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat. (RFC 8215)', false, ['64:ff9b:1::', 'special-purpose'], ['64:ff9b:1::808:808', 'special-purpose'], ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['100::/64', 'Discard-Only Address Block (RFC 6666)', false, ['100::', 'special-purpose'], ['100::1', 'special-purpose'], ['100::ffff:ffff:ffff:ffff', 'special-purpose']],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix (RFC 9780)', false, ['100:0:0:1::', 'special-purpose'], ['100:0:0:1::1', 'special-purpose'], ['100:0:0:1:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001::/23', 'IETF Protocol Assignments (RFC 2928)', false, ['2001::', 'special-purpose'], ['2001:100::1', 'special-purpose'], ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001::/32', 'TEREDO (RFC 4380, RFC 8190)', 'n/a', ['2001::', 'special-purpose'], ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'special-purpose'], ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:1::1/128', 'Port Control Protocol Anycast (RFC 7723)', true, ['2001:1::1', 'special-purpose'], ['2001:1::1', 'special-purpose'], ['2001:1::1', 'special-purpose']],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast (RFC 8155)', true, ['2001:1::2', 'special-purpose'], ['2001:1::2', 'special-purpose'], ['2001:1::2', 'special-purpose']],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast Address (RFC 9665)', true, ['2001:1::3', 'special-purpose'], ['2001:1::3', 'special-purpose'], ['2001:1::3', 'special-purpose']],
  ['2001:2::/48', 'Benchmarking (RFC 5180)', false, ['2001:2::', 'special-purpose'], ['2001:2::1', 'special-purpose'], ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:3::/32', 'AMT (RFC 7450)', true, ['2001:3::', 'special-purpose'], ['2001:3::1', 'special-purpose'], ['2001:3:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:4:112::/48', 'AS112-v6 (RFC 7535)', true, ['2001:4:112::', 'special-purpose'], ['2001:4:112::1', 'special-purpose'], ['2001:4:112:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:10::/28', 'Deprecated (previously ORCHID) (RFC 4843)', false, ['2001:10::', 'special-purpose'], ['2001:10::1', 'special-purpose'], ['2001:1f:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:20::/28', 'ORCHIDv2 (RFC 7343)', true, ['2001:20::', 'special-purpose'], ['2001:20::1', 'special-purpose'], ['2001:2f:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix (RFC 9374)', true, ['2001:30::', 'special-purpose'], ['2001:30::1', 'special-purpose'], ['2001:3f:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['2001:db8::/32', 'Documentation (RFC 3849)', false, ['2001:db8::', 'documentation'], ['2001:db8::1', 'documentation'], ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation']],
  ['2002::/16', '6to4 (RFC 3056)', 'n/a', ['2002::', 'unspecified'], ['2002:808:808::1', 'public'], ['2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved']],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service (RFC 7534)', true, ['2620:4f:8000::', 'special-purpose'], ['2620:4f:8000::1', 'special-purpose'], ['2620:4f:8000:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['3fff::/20', 'Documentation (RFC 9637)', false, ['3fff::', 'documentation'], ['3fff:123::1', 'documentation'], ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation']],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs (RFC 9602)', false, ['5f00::', 'special-purpose'], ['5f00:1::1', 'special-purpose'], ['5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose']],
  ['fc00::/7', 'Unique-Local (RFC 4193, RFC 8190)', false, ['fc00::', 'private'], ['fd12:3456:789a::1', 'private'], ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private']],
  ['fe80::/10', 'Link-Local Unicast (RFC 4291)', false, ['fe80::', 'link-local'], ['fe80::1', 'link-local'], ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local']],
];

/**
 * Blocks outside the special-purpose registries that are not public unicast destinations either: multicast (its own
 * registries), and in IPv6 everything outside 2000::/3, the only space the IPv6 Address Space registry allocates to
 * global unicast (https://www.iana.org/assignments/ipv6-address-space/), including the deprecated IPv4-compatible
 * ::/96 (RFC 4291 §2.5.5.1) and site-local fec0::/10 (RFC 3879).
 */
const OTHER_BLOCKS: RegistryRow[] = [
  ['224.0.0.0/4', 'IPv4 multicast (RFC 5771)', 'n/a', ['224.0.0.0', 'multicast'], ['239.255.255.250', 'multicast'], ['239.255.255.255', 'multicast']],
  ['::/96', 'IPv4-compatible (deprecated, RFC 4291)', false, ['::2', 'reserved'], ['::7f00:1', 'reserved'], ['::ffff:ffff', 'reserved']],
  ['::/8', 'Reserved by IETF', false, ['::1:0:0:0', 'reserved'], ['1:2:3:4::5', 'reserved'], ['ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved']],
  ['4000::/3', 'Reserved by IETF', false, ['4000::', 'reserved'], ['4000::1', 'reserved'], ['5fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved']],
  ['fec0::/10', 'site-local (deprecated, RFC 3879)', false, ['fec0::', 'private'], ['fec0::1', 'private'], ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private']],
  ['ff00::/8', 'IPv6 multicast (RFC 4291)', false, ['ff00::', 'multicast'], ['ff02::1', 'multicast'], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast']],
];

/** The address as a number, parsed here independently of the code under test, to check the table's own literals. */
function toBigInt(address: string): bigint {
  if (!address.includes(':')) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) text = text.slice(0, dotted.index) + `${((+dotted[1]! << 8) | +dotted[2]!).toString(16)}:${((+dotted[3]! << 8) | +dotted[4]!).toString(16)}`;
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

describe('classifyAddress against the IANA special-purpose registries', () => {
  const rows = [...IPV4_REGISTRY, ...IPV6_REGISTRY, ...OTHER_BLOCKS];

  const check = (exactEdges: boolean) => (block: string, _name: string, _reachable: unknown, start: Probe, inside: Probe, end: Probe) => {
    const [network, prefixText] = block.split('/');
    const size = 1n << BigInt((network!.includes(':') ? 128 : 32) - Number(prefixText));
    const first = toBigInt(network!);
    expect(first % size).toBe(0n);
    const [s, i, e] = [toBigInt(start[0]), toBigInt(inside[0]), toBigInt(end[0])];
    if (exactEdges) expect([s, e]).toEqual([first, first + size - 1n]);
    expect(first <= s && s <= i && i <= e && e <= first + size - 1n).toBe(true);
  };
  it.each([...IPV4_REGISTRY, ...IPV6_REGISTRY])('the table itself is right: %s starts and ends where it says', check(true));
  it.each(OTHER_BLOCKS)('the table itself is right: %s holds its probes', check(false));

  it.each(rows)('%s (%s, globally reachable: %s)', (_block, _name, reachable, ...probes) => {
    for (const [address, expected] of probes) expect([address, classifyAddress(address)]).toEqual([address, expected]);
    // Nothing the registries list as not globally reachable is ever public.
    if (reachable === false) for (const [address] of probes) expect(classifyAddress(address)).not.toBe('public');
  });

  it.each<Probe>([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['9.255.255.255', 'public'], // just below 10.0.0.0/8
    ['11.0.0.0', 'public'], // just above
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['126.255.255.255', 'public'],
    ['128.0.0.0', 'public'],
    ['169.253.255.255', 'public'],
    ['169.255.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.0.1.0', 'public'],
    ['192.0.3.0', 'public'],
    ['192.31.195.255', 'public'],
    ['192.88.98.255', 'public'],
    ['192.167.255.255', 'public'],
    ['192.169.0.0', 'public'],
    ['198.17.255.255', 'public'],
    ['198.20.0.0', 'public'],
    ['223.255.255.255', 'public'],
    ['2000::', 'public'],
    ['2001:200::', 'public'], // just above 2001::/23
    ['2001:4860:4860::8888', 'public'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['2001:db9::', 'public'],
    ['2003::1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2620:4f:7fff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['2620:4f:8001::', 'public'],
    ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['3fff:1000::', 'public'], // just above 3fff::/20
    ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64 of 169.254.169.254
    ['2002:c0a8:0101::1', 'private'], // 6to4 of 192.168.1.1
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'reserved'], // IPv4-compatible spelled dotted
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['FE80::1', 'link-local'],
  ])('%s is %s (neighbours of the blocks, embedded IPv4, spellings)', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each(['', 'localhost', 'example.com', '999.1.1.1', '1.2.3', '::g', '1::2::3', '2130706433'])('treats the non-address %j as reserved (never allowed)', (text) => {
    expect(classifyAddress(text)).toBe('reserved');
  });

  it('names the block that refused an address, and the IPv4 inside a translated one', () => {
    expect(describeAddress('192.0.0.9')).toEqual({ kind: 'special-purpose', block: '192.0.0.9/32 Port Control Protocol Anycast' });
    expect(describeAddress('64:ff9b::7f00:1')).toEqual({ kind: 'loopback', block: '127.0.0.0/8 Loopback, carried in 64:ff9b::/96 NAT64' });
    expect(describeAddress('2606:4700:4700::1111')).toEqual({ kind: 'public' });
  });
});
