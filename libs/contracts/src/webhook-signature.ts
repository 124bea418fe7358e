import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Chorus webhook signatures. A delivery is signed with HMAC-SHA256, keyed by the subscription's secret, over
 * `${timestamp}.${deliveryId}.${rawBody}` and sent as
 *
 *     Chorus-Signature: t=<unix seconds>,v2=<lowercase hex HMAC>
 *     Chorus-Delivery-Id: <uuid, stable across retries of one delivery: dedupe on it>
 *     Chorus-Event: drift-alert | ping
 *
 * Signing the timestamp lets a receiver refuse replays outside a tolerance window; signing the delivery id means the
 * id a receiver dedupes on is the one Chorus sent (a relayed copy under a fresh id does not verify). A receiver MUST
 * verify over the raw request bytes (before any JSON parsing and re-serialising). Several `v2=` entries may appear —
 * one per valid secret while a secret is being rotated — and the signature is valid when any of them matches.
 * `v2` replaced `v1` (HMAC over `${timestamp}.${rawBody}`, the delivery id unsigned); `v1` is no longer sent, and
 * entries of other schemes are ignored.
 *
 * This file depends only on `node:crypto`, so receivers can copy it as is.
 */
export const CHORUS_SIGNATURE_HEADER = 'chorus-signature';
export const CHORUS_DELIVERY_ID_HEADER = 'chorus-delivery-id';
export const CHORUS_EVENT_HEADER = 'chorus-event';
export const CHORUS_SIGNATURE_SCHEME = 'v2';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;
/** What a delivery id may look like (Chorus sends UUIDs): no "." so `t.id.body` splits one way only. */
const DELIVERY_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** HMAC-SHA256 over `${timestamp}.${deliveryId}.${body}`, hex. The secret is used as given (its UTF-8 bytes are the key). */
export function computeChorusSignature(secret: string, timestamp: number, deliveryId: string, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.${deliveryId}.`, 'utf8');
  hmac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return hmac.digest('hex');
}

/**
 * The `Chorus-Signature` header value for a delivery sent at `timestamp` (unix seconds): one `v2=` entry per secret
 * (the current one first; a secret being rotated out follows during its grace period).
 */
export function signChorusPayload(secrets: string | readonly string[], timestamp: number, deliveryId: string, body: string | Uint8Array): string {
  if (!DELIVERY_ID.test(deliveryId)) throw new Error(`delivery id ${JSON.stringify(deliveryId)} must be 1-128 letters, digits, "_" or "-"`);
  const entries = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => `${CHORUS_SIGNATURE_SCHEME}=${computeChorusSignature(secret, timestamp, deliveryId, body)}`);
  if (entries.length === 0) throw new Error('sign with at least one secret');
  return `t=${timestamp},${entries.join(',')}`;
}

export type ChorusSignatureFailure = 'MISSING_HEADER' | 'MALFORMED_HEADER' | 'STALE' | 'FUTURE' | 'MISMATCH';

export type ChorusSignatureResult =
  /** `deliveryId` is the verified `Chorus-Delivery-Id`: dedupe on it. */
  | { ok: true; timestamp: number; deliveryId: string }
  | { ok: false; reason: ChorusSignatureFailure; message: string };

/** Node's `req.headers`, a fetch `Headers`, or any name → value map (names are matched case-insensitively). */
export type SignedHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface VerifyChorusSignatureOptions {
  /** How far the signed timestamp may be from `now`, either way (default 300 s). */
  toleranceSeconds?: number;
  /** The receiver's clock in milliseconds since the epoch (default `Date.now()`); tests pin it. */
  now?: number;
}

/**
 * Verify a Chorus webhook delivery: the `Chorus-Signature` header must carry a timestamp within `toleranceSeconds`
 * of `now` and a `v2` HMAC that matches the `Chorus-Delivery-Id` header and `rawBody` under `secret`. Comparisons
 * are constant-time.
 *
 * @example
 *   const check = verifyChorusSignature(process.env.CHORUS_WEBHOOK_SECRET!, req.headers, rawBody);
 *   if (!check.ok) return res.status(401).end(check.message);
 */
export function verifyChorusSignature(
  secret: string,
  headers: SignedHeaders,
  rawBody: string | Uint8Array,
  { toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS, now = Date.now() }: VerifyChorusSignatureOptions = {},
): ChorusSignatureResult {
  const header = readHeader(headers, CHORUS_SIGNATURE_HEADER);
  if (header === undefined) return fail('MISSING_HEADER', 'no Chorus-Signature header');
  const deliveryId = readHeader(headers, CHORUS_DELIVERY_ID_HEADER);
  if (deliveryId === undefined) return fail('MISSING_HEADER', 'no Chorus-Delivery-Id header (it is signed with the body)');
  if (!DELIVERY_ID.test(deliveryId)) return fail('MALFORMED_HEADER', 'Chorus-Delivery-Id must be 1-128 letters, digits, "_" or "-"');
  const parsed = parseSignatureHeader(header);
  if (!parsed) return fail('MALFORMED_HEADER', 'Chorus-Signature must look like "t=<unix seconds>,v2=<64 hex digits>"');
  const age = Math.floor(now / 1000) - parsed.timestamp;
  if (age > toleranceSeconds) return fail('STALE', `signed ${age} s ago, more than the ${toleranceSeconds} s tolerance: a replay or a badly skewed clock`);
  if (-age > toleranceSeconds) return fail('FUTURE', `signed ${-age} s in the future, more than the ${toleranceSeconds} s tolerance: check the clocks`);
  const expected = Buffer.from(computeChorusSignature(secret, parsed.timestamp, deliveryId, rawBody), 'hex');
  // Check every candidate (no early exit) so timing does not reveal which one matched.
  let matched = false;
  for (const candidate of parsed.signatures) {
    const given = Buffer.from(candidate, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched
    ? { ok: true, timestamp: parsed.timestamp, deliveryId }
    : fail('MISMATCH', 'the signature does not match this delivery id and body under this secret');
}

/** `t=<int>,v2=<hex>[,v2=<hex>...]`; other schemes (v1 included) are ignored, so new ones can be added beside v2. */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (name === CHORUS_SIGNATURE_SCHEME) {
      if (!/^[0-9a-f]{64}$/.test(value)) return undefined;
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

function readHeader(headers: SignedHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    // A repeated header is ambiguous: refuse it rather than guess which copy was signed.
    if (Array.isArray(value)) return value.length === 1 ? value[0] : '';
    return value;
  }
  return undefined;
}

function fail(reason: ChorusSignatureFailure, message: string): ChorusSignatureResult {
  return { ok: false, reason, message };
}
