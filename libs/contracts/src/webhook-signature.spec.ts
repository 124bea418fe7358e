import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeChorusSignature, parseSignatureHeader, signChorusPayload, verifyChorusSignature } from './webhook-signature';

const secret = 'whsec_test_0123456789abcdefghijklmnop';
const body = '{"alertId":"a-1","metric":"category_entropy","value":0.12}';
const t = 1_780_000_000; // 2026-05-28T20:26:40Z
const now = t * 1000;

describe('computeChorusSignature', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in hex, computed independently here', () => {
    const oracle = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeChorusSignature(secret, t, body)).toBe(oracle);
    expect(computeChorusSignature(secret, t, Buffer.from(body))).toBe(oracle);
    expect(signChorusPayload(secret, t, body)).toBe(`t=${t},v1=${oracle}`);
  });

  it('signs bytes, not characters: non-ASCII bodies are hashed as UTF-8', () => {
    const unicode = '{"subject":"usér-ß-😀"}';
    expect(computeChorusSignature(secret, t, unicode)).toBe(createHmac('sha256', secret).update(Buffer.from(`${t}.${unicode}`, 'utf8')).digest('hex'));
  });
});

describe('verifyChorusSignature', () => {
  const signed = (overrides: { secret?: string; t?: number; body?: string } = {}) => ({
    'chorus-signature': signChorusPayload(overrides.secret ?? secret, overrides.t ?? t, overrides.body ?? body),
  });

  it('accepts a valid signature from Node-style headers, any header-name case, and a fetch Headers object', () => {
    expect(verifyChorusSignature(secret, signed(), body, { now })).toEqual({ ok: true, timestamp: t });
    expect(verifyChorusSignature(secret, { 'Chorus-Signature': signed()['chorus-signature'] }, body, { now }).ok).toBe(true);
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
    expect(verifyChorusSignature(secret, { 'chorus-signature': header }, body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
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

  it('accepts when any of several v1 signatures matches (secret rotation) and ignores unknown schemes', () => {
    const good = computeChorusSignature(secret, t, body);
    const other = computeChorusSignature('old-secret-0123456789abcdef', t, body);
    expect(verifyChorusSignature(secret, { 'chorus-signature': `t=${t},v1=${other},v1=${good}` }, body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, { 'chorus-signature': `t=${t},v0=abc,v1=${good},v2=zzz` }, body, { now }).ok).toBe(true);
    expect(verifyChorusSignature(secret, { 'chorus-signature': `t=${t},v1=${other}` }, body, { now })).toMatchObject({ ok: false, reason: 'MISMATCH' });
  });

  it('reports a missing header', () => {
    expect(verifyChorusSignature(secret, {}, body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': undefined }, body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyChorusSignature(secret, new Headers(), body, { now })).toMatchObject({ ok: false, reason: 'MISSING_HEADER' });
  });

  const good = computeChorusSignature(secret, t, body);
  it.each([
    ['empty', ''],
    ['no timestamp', `v1=${good}`],
    ['no signature', `t=${t}`],
    ['only an unknown scheme', `t=${t},v2=${good}`],
    ['timestamp not an integer', `t=12.5,v1=${good}`],
    ['timestamp negative', `t=-${t},v1=${good}`],
    ['timestamp in milliseconds-sized garbage', `t=${'9'.repeat(13)},v1=${good}`],
    ['two timestamps', `t=${t},t=${t},v1=${good}`],
    ['signature too short', `t=${t},v1=${good.slice(2)}`],
    ['signature upper-case hex', `t=${t},v1=${good.toUpperCase()}`],
    ['signature base64', `t=${t},v1=${Buffer.from(good, 'hex').toString('base64')}`],
    ['part without "="', `t=${t},v1=${good},junk`],
    ['empty name', `=1,t=${t},v1=${good}`],
  ])('rejects a malformed header: %s', (_label, header) => {
    expect(verifyChorusSignature(secret, { 'chorus-signature': header }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('refuses a repeated header instead of guessing which copy was signed', () => {
    const header = signed()['chorus-signature'];
    expect(verifyChorusSignature(secret, { 'chorus-signature': [header, header] }, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verifyChorusSignature(secret, { 'chorus-signature': [header] }, body, { now }).ok).toBe(true);
    const joined = new Headers();
    joined.append('chorus-signature', header);
    joined.append('chorus-signature', header);
    expect(verifyChorusSignature(secret, joined, body, { now })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
  });
});

describe('parseSignatureHeader', () => {
  it('tolerates spaces around parts and keeps every v1 entry in order', () => {
    expect(parseSignatureHeader(` t=5 , v1=${'a'.repeat(64)} ,v1=${'b'.repeat(64)}`)).toEqual({ timestamp: 5, signatures: ['a'.repeat(64), 'b'.repeat(64)] });
  });
});
