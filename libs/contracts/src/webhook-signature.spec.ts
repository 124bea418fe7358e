import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeChorusSignature, parseSignatureHeader, signChorusPayload, verifyChorusSignature } from './webhook-signature';

const secret = 'whsec_test_0123456789abcdefghijklmnop';
const body = '{"alertId":"a-1","metric":"category_entropy","value":0.12}';
const t = 1_780_000_000; // 2026-05-28T20:26:40Z
const now = t * 1000;
const id = '3b7e9c2a-5d41-4f6e-9a0b-1c2d3e4f5a6b';

describe('computeChorusSignature', () => {
  it('is HMAC-SHA256 over "<t>.<delivery id>.<body>" in hex, computed independently here', () => {
    const oracle = createHmac('sha256', secret).update(`${t}.${id}.${body}`).digest('hex');
    expect(computeChorusSignature(secret, t, id, body)).toBe(oracle);
    expect(computeChorusSignature(secret, t, id, Buffer.from(body))).toBe(oracle);
    expect(signChorusPayload(secret, t, id, body)).toBe(`t=${t},v2=${oracle}`);
  });

  it('signs bytes, not characters: non-ASCII bodies are hashed as UTF-8', () => {
    const unicode = '{"subject":"usér-ß-😀"}';
    expect(computeChorusSignature(secret, t, id, unicode)).toBe(createHmac('sha256', secret).update(Buffer.from(`${t}.${id}.${unicode}`, 'utf8')).digest('hex'));
  });

  it('signs with every secret given, in order, under one timestamp (a rotation grace period)', () => {
    const old = 'whsec_old_0123456789abcdefghijklmnop';
    const hmac = (key: string) => createHmac('sha256', key).update(`${t}.${id}.${body}`).digest('hex');
    expect(signChorusPayload([secret, old], t, id, body)).toBe(`t=${t},v2=${hmac(secret)},v2=${hmac(old)}`);
    expect(() => signChorusPayload([], t, id, body)).toThrow('at least one secret');
    expect(() => signChorusPayload(secret, t, 'a.b', body)).toThrow('delivery id');
  });
});

describe('verifyChorusSignature', () => {
  const signed = (overrides: { secret?: string; t?: number; body?: string } = {}) => ({
    'chorus-signature': signChorusPayload(overrides.secret ?? secret, overrides.t ?? t, id, overrides.body ?? body),
    'chorus-delivery-id': id,
  });

  it('accepts a valid signature from Node-style headers, any header-name case, and a fetch Headers object', () => {
    expect(verifyChorusSignature(secret, signed(), body, { now })).toEqual({ ok: true, timestamp: t, deliveryId: id });
    expect(verifyChorusSignature(secret, { 'Chorus-Signature': signed()['chorus-signature'], 'Chorus-Delivery-Id': id }, body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, new Headers(signed()), Buffer.from(body), { now }).ok).toBe(true);
  });

  it('rejects a tampered body, even by one byte or by whitespace re-serialisation', () => {
    expect(verifyChorusSignature(secret, signed(), body.replace('0.12', '0.13'), { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
    expect(verifyChorusSignature(secret, signed(), JSON.stringify(JSON.parse(body), null, 1), { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
    expect(verifyChorusSignature(secret, signed(), `${body} `, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyChorusSignature(secret, signed({ secret: `${secret}x` }), body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
    expect(verifyChorusSignature('another-secret-of-enough-length', signed(), body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
  });

  it('rejects a timestamp moved after signing (the timestamp is part of the signed text)', () => {
    const header = signed()['chorus-signature'].replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyChorusSignature(secret, { ...signed(), 'chorus-signature': header }, body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
  });

  it('rejects a delivery id changed after signing (the id receivers dedupe on is signed)', () => {
    for (const other of ['3b7e9c2a-5d41-4f6e-9a0b-1c2d3e4f5a6c', `${id}x`, 'x']) {
      expect(verifyChorusSignature(secret, { ...signed(), 'chorus-delivery-id': other }, body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
    }
    // Moving characters between the id and the body does not forge either: the id may hold no ".".
    expect(verifyChorusSignature(secret, { ...signed(), 'chorus-delivery-id': `${id}.{` }, body.slice(1), { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('refuses a missing, repeated or malformed delivery id', () => {
    const { 'chorus-signature': header } = signed();
    expect(verifyChorusSignature(secret, { 'chorus-signature': header }, body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': header, 'chorus-delivery-id': [id, id] }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': header, 'chorus-delivery-id': '' }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': header, 'chorus-delivery-id': 'a'.repeat(129) }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('does not accept the retired v1 scheme (body only, delivery id unsigned)', () => {
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(verifyChorusSignature(secret, { 'chorus-signature': `t=${t},v1=${v1}`, 'chorus-delivery-id': id }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('accepts exactly at the edges of the tolerance window and rejects one second beyond, both ways', () => {
    expect(verifyChorusSignature(secret, signed({ t: t - 300 }), body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, signed({ t: t - 301 }), body, { now })).toMatchObject({ ok: false, reason: 'STALE' });
    expect(verifyChorusSignature(secret, signed({ t: t + 300 }), body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, signed({ t: t + 301 }), body, { now })).toMatchObject({ ok: false, reason: 'FUTURE' });
  });

  it('checks staleness before the HMAC, so an old but genuine delivery is refused as a replay', () => {
    const result = verifyChorusSignature(secret, signed({ t: t - 3600 }), body, { now });
    expect(result).toMatchObject({ ok: false, reason: 'STALE' });
    if (!result.ok) expect(result.message).toContain('3600 s ago');
  });

  it('honours a custom tolerance and defaults `now` to the real clock', () => {
    expect(verifyChorusSignature(secret, signed({ t: t - 10 }), body, { now, toleranceSeconds: 5 })).toMatchObject({ ok: false, reason: 'STALE' });
    expect(verifyChorusSignature(secret, signed({ t: t - 10 }), body, { now, toleranceSeconds: 10 }).ok).toBe(true);
    const fresh = Math.floor(Date.now() / 1000);
    expect(verifyChorusSignature(secret, signed({ t: fresh }), body).ok).toBe(true);
    expect(verifyChorusSignature(secret, signed(), body)).toMatchObject({ ok: false, reason: 'STALE' });
  });

  it('accepts when any of several v2 signatures matches (secret rotation) and ignores other schemes', () => {
    const good = computeChorusSignature(secret, t, id, body);
    const other = computeChorusSignature('old-secret-0123456789abcdef', t, id, body);
    const headers = (value: string) => ({ 'chorus-signature': value, 'chorus-delivery-id': id });
    expect(verifyChorusSignature(secret, headers(`t=${t},v2=${other},v2=${good}`), body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, headers(`t=${t},v0=abc,v2=${good},v3=zzz`), body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, headers(`t=${t},v2=${other}`), body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
  });

  it('reports a missing header', () => {
    expect(verifyChorusSignature(secret, {}, body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': undefined, 'chorus-delivery-id': id }, body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyChorusSignature(secret, new Headers(), body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
  });

  const good = computeChorusSignature(secret, t, id, body);
  it.each([
    ['empty', ''],
    ['no timestamp', `v2=${good}`],
    ['no signature', `t=${t}`],
    ['only another scheme', `t=${t},v3=${good}`],
    ['timestamp not an integer', `t=12.5,v2=${good}`],
    ['timestamp negative', `t=-${t},v2=${good}`],
    ['timestamp in milliseconds-sized garbage', `t=${'9'.repeat(13)},v2=${good}`],
    ['two timestamps', `t=${t},t=${t},v2=${good}`],
    ['signature too short', `t=${t},v2=${good.slice(2)}`],
    ['signature upper-case hex', `t=${t},v2=${good.toUpperCase()}`],
    ['signature base64', `t=${t},v2=${Buffer.from(good, 'hex').toString('base64')}`],
    ['part without "="', `t=${t},v2=${good},junk`],
    ['empty name', `=1,t=${t},v2=${good}`],
  ])('rejects a malformed header: %s', (_label, header) => {
    expect(verifyChorusSignature(secret, { 'chorus-signature': header, 'chorus-delivery-id': id }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('refuses a repeated header instead of guessing which copy was signed', () => {
    const header = signed()['chorus-signature'];
    expect(verifyChorusSignature(secret, { 'chorus-signature': [header, header], 'chorus-delivery-id': id }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': [header], 'chorus-delivery-id': id }, body, { now }).ok).toBe(true);
    const joined = new Headers({ 'chorus-delivery-id': id });
    joined.append('chorus-signature', header);
    joined.append('chorus-signature', header);
    expect(verifyChorusSignature(secret, joined, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });
});

describe('parseSignatureHeader', () => {
  it('tolerates spaces around parts and keeps every v2 entry in order, skipping v1', () => {
    expect(parseSignatureHeader(` t=5 , v2=${'a'.repeat(64)} ,v1=${'c'.repeat(64)},v2=${'b'.repeat(64)}`)).toEqual({ timestamp: 5, signatures: ['a'.repeat(64), 'b'.repeat(64)] });
  });
});
