import { describe, expect, it } from 'vitest';
import { describeAddress, type AddressClass } from './private-address';

/**
 * What a refused webhook target is told: the block that decided, as `<cidr> <registry name>`, written out for an
 * address inside each block of the classifier's table (the narrowest block that holds it), for the IPv4 carried in
 * IPv6, and for what is not an address. The registry spec checks kinds; these pin the words an operator reads.
 */
const NAMED: [address: string, expected: AddressClass][] = [
  ['0.1.2.3', { kind: 'unspecified', block: '0.0.0.0/8 "This network"' }],
  ['0.0.0.0', { kind: 'unspecified', block: '0.0.0.0/32 "This host on this network"' }],
  ['10.1.2.3', { kind: 'private', block: '10.0.0.0/8 Private-Use' }],
  ['100.64.1.2', { kind: 'private', block: '100.64.0.0/10 Shared Address Space (carrier-grade NAT)' }],
  ['127.0.0.1', { kind: 'loopback', block: '127.0.0.0/8 Loopback' }],
  ['169.254.169.254', { kind: 'link-local', block: '169.254.0.0/16 Link Local' }],
  ['172.16.5.4', { kind: 'private', block: '172.16.0.0/12 Private-Use' }],
  ['192.0.0.100', { kind: 'special-purpose', block: '192.0.0.0/24 IETF Protocol Assignments' }],
  ['192.0.0.4', { kind: 'special-purpose', block: '192.0.0.0/29 IPv4 Service Continuity Prefix' }],
  ['192.0.0.8', { kind: 'special-purpose', block: '192.0.0.8/32 IPv4 dummy address' }],
  ['192.0.0.9', { kind: 'special-purpose', block: '192.0.0.9/32 Port Control Protocol Anycast' }],
  ['192.0.0.10', { kind: 'special-purpose', block: '192.0.0.10/32 TURN Anycast' }],
  ['192.0.0.171', { kind: 'special-purpose', block: '192.0.0.170/31 NAT64/DNS64 Discovery' }],
  ['192.0.2.1', { kind: 'documentation', block: '192.0.2.0/24 Documentation (TEST-NET-1)' }],
  ['192.31.196.1', { kind: 'special-purpose', block: '192.31.196.0/24 AS112-v4' }],
  ['192.52.193.1', { kind: 'special-purpose', block: '192.52.193.0/24 AMT' }],
  ['192.88.99.1', { kind: 'special-purpose', block: '192.88.99.0/24 Deprecated (6to4 Relay Anycast)' }],
  ['192.88.99.2', { kind: 'special-purpose', block: '192.88.99.2/32 6a44-relay anycast address' }],
  ['192.168.1.1', { kind: 'private', block: '192.168.0.0/16 Private-Use' }],
  ['192.175.48.1', { kind: 'special-purpose', block: '192.175.48.0/24 Direct Delegation AS112 Service' }],
  ['198.18.0.1', { kind: 'special-purpose', block: '198.18.0.0/15 Benchmarking' }],
  ['198.51.100.1', { kind: 'documentation', block: '198.51.100.0/24 Documentation (TEST-NET-2)' }],
  ['203.0.113.1', { kind: 'documentation', block: '203.0.113.0/24 Documentation (TEST-NET-3)' }],
  ['239.1.2.3', { kind: 'multicast', block: '224.0.0.0/4 Multicast' }],
  ['250.1.2.3', { kind: 'reserved', block: '240.0.0.0/4 Reserved' }],
  ['255.255.255.255', { kind: 'reserved', block: '255.255.255.255/32 Limited Broadcast' }],
  ['::', { kind: 'unspecified', block: '::/128 Unspecified Address' }],
  ['::1', { kind: 'loopback', block: '::1/128 Loopback Address' }],
  ['::2', { kind: 'reserved', block: '::/96 IPv4-compatible (deprecated)' }],
  ['64:ff9b:1::1', { kind: 'special-purpose', block: '64:ff9b:1::/48 IPv4-IPv6 Translation (local use)' }],
  ['100::1', { kind: 'special-purpose', block: '100::/64 Discard-Only Address Block' }],
  ['100:0:0:1::1', { kind: 'special-purpose', block: '100:0:0:1::/64 Dummy IPv6 Prefix' }],
  ['2001:100::1', { kind: 'special-purpose', block: '2001::/23 IETF Protocol Assignments' }],
  ['2001::1', { kind: 'special-purpose', block: '2001::/32 Teredo' }],
  ['2001:1::1', { kind: 'special-purpose', block: '2001:1::1/128 Port Control Protocol Anycast' }],
  ['2001:1::2', { kind: 'special-purpose', block: '2001:1::2/128 TURN Anycast' }],
  ['2001:1::3', { kind: 'special-purpose', block: '2001:1::3/128 DNS-SD Service Registration Protocol Anycast' }],
  ['2001:2::1', { kind: 'special-purpose', block: '2001:2::/48 Benchmarking' }],
  ['2001:3::1', { kind: 'special-purpose', block: '2001:3::/32 AMT' }],
  ['2001:4:112::1', { kind: 'special-purpose', block: '2001:4:112::/48 AS112-v6' }],
  ['2001:10::1', { kind: 'special-purpose', block: '2001:10::/28 Deprecated (previously ORCHID)' }],
  ['2001:20::1', { kind: 'special-purpose', block: '2001:20::/28 ORCHIDv2' }],
  ['2001:30::1', { kind: 'special-purpose', block: '2001:30::/28 Drone Remote ID Protocol Entity Tags' }],
  ['2001:db8::1', { kind: 'documentation', block: '2001:db8::/32 Documentation' }],
  ['2620:4f:8000::1', { kind: 'special-purpose', block: '2620:4f:8000::/48 Direct Delegation AS112 Service' }],
  ['3fff::1', { kind: 'documentation', block: '3fff::/20 Documentation' }],
  ['5f00::1', { kind: 'special-purpose', block: '5f00::/16 Segment Routing (SRv6) SIDs' }],
  ['fd00::1', { kind: 'private', block: 'fc00::/7 Unique-Local' }],
  ['fe80::1', { kind: 'link-local', block: 'fe80::/10 Link-Local Unicast' }],
  ['fec0::1', { kind: 'private', block: 'fec0::/10 Site-Local (deprecated)' }],
  ['ff02::1', { kind: 'multicast', block: 'ff00::/8 Multicast' }],
];

const OUTSIDE_UNICAST = 'outside 2000::/3, the only global unicast IPv6 space';

describe('describeAddress names the block that refused an address', () => {
  it.each(NAMED)('%s', (address, expected) => {
    expect(describeAddress(address)).toEqual(expected);
  });

  it.each<[string, AddressClass]>([
    // Only 64:ff9b::/96 is NAT64: the same tail under 64::/96 or 0:ff9b::/96 carries nothing and is outside 2000::/3.
    ['64::808:808', { kind: 'reserved', block: OUTSIDE_UNICAST }],
    ['0:ff9b::808:808', { kind: 'reserved', block: OUTSIDE_UNICAST }],
    ['4000::1', { kind: 'reserved', block: OUTSIDE_UNICAST }],
    // 6to4 carries its IPv4 in groups 1 and 2 (192.0.2.1 here; groups 0 and 1 would read 32.2.192.0, public).
    ['2002:c000:0201::', { kind: 'documentation', block: '192.0.2.0/24 Documentation (TEST-NET-1), carried in 2002::/16 6to4' }],
    ['64:ff9b::c000:201', { kind: 'documentation', block: '192.0.2.0/24 Documentation (TEST-NET-1), carried in 64:ff9b::/96 NAT64' }],
    // A dotted tail with multi-digit octets in every position.
    ['::ffff:10.100.100.200', { kind: 'private', block: '10.0.0.0/8 Private-Use, carried in ::ffff:0:0/96 IPv4-mapped' }],
    ['::ffff:169.254.169.254', { kind: 'link-local', block: '169.254.0.0/16 Link Local, carried in ::ffff:0:0/96 IPv4-mapped' }],
    ['::ffff:192.168.100.100', { kind: 'private', block: '192.168.0.0/16 Private-Use, carried in ::ffff:0:0/96 IPv4-mapped' }],
    // A public IPv4 inside IPv6 is public, with no block.
    ['::ffff:8.8.8.8', { kind: 'public' }],
    ['::ffff:1.2.3.4', { kind: 'public' }],
    // Brackets only as a pair; a zone id is dropped, inside brackets too.
    ['[fe80::1%eth0]', { kind: 'link-local', block: 'fe80::/10 Link-Local Unicast' }],
    ['::ffff:127.0.0.1%eth0', { kind: 'loopback', block: '127.0.0.0/8 Loopback, carried in ::ffff:0:0/96 IPv4-mapped' }],
    ['[::1', { kind: 'reserved', block: 'not an IP address' }],
    ['::1]', { kind: 'reserved', block: 'not an IP address' }],
    ['1::1]', { kind: 'reserved', block: 'not an IP address' }],
    ['localhost', { kind: 'reserved', block: 'not an IP address' }],
    ['1::2::3', { kind: 'reserved', block: 'not an IP address' }],
  ])('%s is %j', (address, expected) => {
    expect(describeAddress(address)).toEqual(expected);
  });
});
