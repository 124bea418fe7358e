import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { checkOutboundTarget, vettedLookup, type OutboundTargetPolicy, type ResolveAll } from './outbound-target.policy';

const strict: OutboundTargetPolicy = { allowHttp: false, allowPrivateTargets: false };
const lenient: OutboundTargetPolicy = { allowHttp: true, allowPrivateTargets: true };

/** A fixed DNS table standing in for the resolver (the policy under test is real). */
function dns(table: Record<string, string[]>): ResolveAll & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const table = dns({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.example.com': ['10.0.0.5'],
  'split.example.com': ['93.184.215.14', '192.168.1.20'],
  'metadata.example.com': ['169.254.169.254'],
  'v6-loop.example.com': ['::1'],
  localhost: ['127.0.0.1', '::1'],
  empty: [],
});

describe('checkOutboundTarget', () => {
  it('accepts an https URL whose host resolves only to public addresses', async () => {
    const result = await checkOutboundTarget('https://hooks.example.com/chorus?team=a', strict, table);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.url.hostname).toBe('hooks.example.com');
  });

  it('accepts a public IP literal without resolving it', async () => {
    const resolver = dns({});
    expect(await checkOutboundTarget('https://8.8.8.8:8443/hook', strict, resolver)).toMatchObject({ ok: true });
    expect(await checkOutboundTarget('https://[2606:4700:4700::1111]/hook', strict, resolver)).toMatchObject({ ok: true });
    expect(resolver.calls).toEqual([]);
  });

  it.each([
    ['http://hooks.example.com/x', 'must use https'],
    ['ftp://hooks.example.com/x', 'must use https (got "ftp:")'],
    ['javascript:alert(1)', 'must use https'],
    ['not a url', 'not an absolute URL'],
    ['/relative/path', 'not an absolute URL'],
    ['https://user:pass@hooks.example.com/x', 'must not contain credentials'],
    ['https://token@hooks.example.com/x', 'must not contain credentials'],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, 'at most 2048 characters'],
  ])('refuses the shape of %s', async (url, message) => {
    const result = await checkOutboundTarget(url, strict, table);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(message);
  });

  it.each([
    ['https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://10.1.2.3/x', '10.1.2.3 is a private address'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
    ['https://[::1]/x', '::1 is a loopback address'],
    ['https://[fd00::1]/x', 'fd00::1 is a private address'],
    ['https://[::ffff:127.0.0.1]/x', 'is a loopback address'],
    ['https://0.0.0.0/x', 'unspecified'],
    // The WHATWG URL parser canonicalises these spellings of 127.0.0.1 before the check sees them.
    ['https://2130706433/x', '127.0.0.1 is a loopback address'],
    ['https://0x7f.1/x', '127.0.0.1 is a loopback address'],
    ['https://017700000001/x', '127.0.0.1 is a loopback address'],
    ['https://0x7f000001/x', '127.0.0.1 is a loopback address'],
    ['https://127.1/x', '127.0.0.1 is a loopback address'],
    ['https://0177.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://%31%32%37.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://127.0.0.1./x', '127.0.0.1 is a loopback address'],
    ['https://[0:0:0:0:0:ffff:7f00:1]/x', '::ffff:7f00:1 is a loopback address (127.0.0.0/8 Loopback, carried in ::ffff:0:0/96 IPv4-mapped)'],
    // Blocks that the registries list and that an earlier guard let through as public.
    ['https://[::7f00:1]/x', '::7f00:1 is a reserved address (::/96 IPv4-compatible (deprecated))'],
    ['https://[64:ff9b:1::a00:1]/x', 'is a special-purpose address (64:ff9b:1::/48'],
    ['https://[2001:100::1]/x', 'is a special-purpose address (2001::/23 IETF Protocol Assignments)'],
    ['https://[3fff::1]/x', 'is a documentation address (3fff::/20 Documentation)'],
    ['https://[5f00::1]/x', 'is a special-purpose address (5f00::/16 Segment Routing (SRv6) SIDs)'],
    ['https://[64:ff9b::a9fe:a9fe]/x', 'a link-local address (169.254.0.0/16 Link Local, carried in 64:ff9b::/96 NAT64)'],
  ])('refuses the non-public IP literal in %s', async (url, message) => {
    const result = await checkOutboundTarget(url, strict, table);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain(message);
      expect(result.reason).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS');
    }
  });

  it.each([
    ['https://internal.example.com/x', 'host "internal.example.com" resolves to 10.0.0.5, a private address'],
    ['https://metadata.example.com/x', 'resolves to 169.254.169.254, a link-local address'],
    ['https://v6-loop.example.com/x', 'resolves to ::1, a loopback address'],
    ['https://localhost:8443/x', 'host "localhost" resolves to 127.0.0.1, a loopback address'],
    // One private answer among public ones is enough: the attacker controlling DNS picks which one a client uses.
    ['https://split.example.com/x', 'resolves to 192.168.1.20, a private address'],
  ])('refuses %s because a resolved address is not public', async (url, message) => {
    const result = await checkOutboundTarget(url, strict, table);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(message);
  });

  it('refuses hosts that do not resolve, naming the resolver error', async () => {
    const result = await checkOutboundTarget('https://nowhere.invalid/x', strict, table);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toContain('could not resolve host "nowhere.invalid" (ENOTFOUND)');
    const none = await checkOutboundTarget('https://empty/x', strict, table);
    if (!none.ok) expect(none.reason).toContain('resolves to no address');
    expect(none.ok).toBe(false);
  });

  it('gives up on a resolver that hangs, at the timeout', async () => {
    const hang: ResolveAll = () => new Promise(() => undefined);
    const result = await checkOutboundTarget('https://slow.example.com/x', strict, hang, 50);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('longer than 50 ms');
  });

  it('allows http and private targets only when configured, and then does not resolve at all', async () => {
    const resolver = dns({});
    expect(await checkOutboundTarget('http://127.0.0.1:8080/x', lenient, resolver)).toMatchObject({ ok: true });
    expect(await checkOutboundTarget('http://internal.example.com/x', lenient, resolver)).toMatchObject({ ok: true });
    expect(resolver.calls).toEqual([]);
    expect(await checkOutboundTarget('http://8.8.8.8/x', { allowHttp: true, allowPrivateTargets: false }, resolver)).toMatchObject({ ok: true });
    const privateOverHttps = await checkOutboundTarget('https://10.0.0.1/x', { allowHttp: false, allowPrivateTargets: true }, resolver);
    expect(privateOverHttps).toMatchObject({ ok: true });
    // The flags are independent: allowing private targets does not allow http, nor credentials.
    expect(await checkOutboundTarget('http://10.0.0.1/x', { allowHttp: false, allowPrivateTargets: true }, resolver)).toMatchObject({ ok: false });
    expect(await checkOutboundTarget('http://u:p@127.0.0.1/x', lenient, resolver)).toMatchObject({ ok: false });
  });
});

describe('vettedLookup (connect-time check against DNS rebinding)', () => {
  const lookupOnce = (policy: OutboundTargetPolicy, host: string, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
      vettedLookup(policy, table)(host, options as never, ((error: NodeJS.ErrnoException | null, address: unknown, family?: number) =>
        resolve({ error, address, family })) as never);
    });

  it('returns the vetted address (or all of them) for a public host', async () => {
    expect(await lookupOnce(strict, 'hooks.example.com', { family: 4 })).toMatchObject({ error: null, address: '93.184.215.14', family: 4 });
    const all = await lookupOnce(strict, 'hooks.example.com', { all: true });
    expect(all.error).toBeNull();
    expect((all.address as LookupAddress[]).map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
  });

  it('fails the connection when any resolved address is not public', async () => {
    const result = await lookupOnce(strict, 'split.example.com', { all: true });
    expect(result.error?.code).toBe('ETARGETREFUSED');
    expect(result.error?.message).toContain('192.168.1.20');
  });

  it('lets private addresses through only when allowed', async () => {
    expect(await lookupOnce(lenient, 'localhost', { family: 4 })).toMatchObject({ error: null, address: '127.0.0.1' });
  });
});
