import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { env } from '../config/load-config';
import { withDeadline } from '../timing/settle-within';
import { describeAddress } from './private-address';

/** The switches that relax the outbound-target rules; both stay off in production. */
export const outboundTargetConfigShape = {
  /** Allow plain http:// webhook URLs (local development, tests). */
  WEBHOOK_ALLOW_HTTP: env.bool(false),
  /** Allow webhook targets on loopback, private, link-local and other non-public addresses (local development, tests). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: env.bool(false),
};

export interface OutboundTargetPolicy {
  allowHttp: boolean;
  allowPrivateTargets: boolean;
}

export const MAX_TARGET_URL_LENGTH = 2048;

/** Resolves a host name to every address it has (the same resolver, getaddrinfo, that a connection would use). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Why a URL may not be a webhook target, or `ok`. Checks the shape (http(s), https unless allowed, no credentials,
 * bounded length), then — unless private targets are allowed — the address: an IP literal directly, a host name by
 * resolving it and checking EVERY address it resolves to (one private answer is enough to refuse: an attacker who
 * controls DNS chooses which answer a client uses).
 *
 * A check at subscription time is not enough on its own (DNS can change after it: "DNS rebinding"), so the delivery
 * client also resolves through {@link vettedLookup}, which applies the same rule to the addresses it connects to.
 */
export async function checkOutboundTarget(text: string, policy: OutboundTargetPolicy, resolve: ResolveAll = systemResolver, timeoutMs = 5_000): Promise<TargetCheck> {
  const shape = checkTargetShape(text, policy);
  if (!shape.ok || policy.allowPrivateTargets) return shape;
  const host = bareHost(shape.url);
  if (isIP(host)) {
    const refusal = refuseAddress(host, undefined);
    return refusal ? { ok: false, reason: refusal } : shape;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await withDeadline(resolve(host), timeoutMs, () => new Error(`resolving "${host}" took longer than ${timeoutMs} ms`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: `could not resolve host "${host}"${code ? ` (${code})` : ''}: ${(error as Error).message}; check the URL` };
  }
  if (addresses.length === 0) return { ok: false, reason: `host "${host}" resolves to no address; check the URL` };
  for (const { address } of addresses) {
    const refusal = refuseAddress(address, host);
    if (refusal) return { ok: false, reason: refusal };
  }
  return shape;
}

/** The parts of the rule that need no DNS: scheme, credentials, length, a host. */
export function checkTargetShape(text: string, policy: OutboundTargetPolicy): TargetCheck {
  if (text.length > MAX_TARGET_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_TARGET_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'is not an absolute URL such as "https://hooks.example.com/chorus"' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `must use https (got "${url.protocol}")` };
  if (url.protocol === 'http:' && !policy.allowHttp) {
    return { ok: false, reason: 'must use https: deliveries carry alert data and must be encrypted in transit (WEBHOOK_ALLOW_HTTP=true allows http for local development)' };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'must not contain credentials (user:password@): they would be stored and logged with the URL; receivers authenticate deliveries by their signature instead' };
  }
  if (bareHost(url) === '') return { ok: false, reason: 'must name a host' };
  return { ok: true, url };
}

/**
 * A `lookup` for http(s).request that resolves the host and refuses the connection when any address it resolves to
 * is not allowed — so the address connected to is the address checked (no window for DNS to change in between).
 */
export function vettedLookup(policy: OutboundTargetPolicy, resolve: ResolveAll = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const refusal = policy.allowPrivateTargets ? undefined : all.map((a) => refuseAddress(a.address, hostname)).find(Boolean);
        if (refusal) return callback(Object.assign(new Error(refusal), { code: 'ETARGETREFUSED' }), '', 0);
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = family ? all.filter((a) => a.family === family) : all;
        if (usable.length === 0) return callback(Object.assign(new Error(`host "${hostname}" has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** Refuse an IP literal target before connecting (Node does not call `lookup` for IP literals). */
export function refuseIpLiteral(url: URL, policy: OutboundTargetPolicy): string | undefined {
  const host = bareHost(url);
  return !policy.allowPrivateTargets && isIP(host) ? refuseAddress(host, undefined) : undefined;
}

function refuseAddress(address: string, host: string | undefined): string | undefined {
  const { kind, block } = describeAddress(address);
  if (kind === 'public') return undefined;
  const what = `${article(kind)} ${kind} address (${block})`;
  const subject = host ? `host "${host}" resolves to ${address}, ${what}` : `${address} is ${what}`;
  return `${subject}; webhooks may only target public Internet addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows private targets for local development)`;
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}

/** The URL's host without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
