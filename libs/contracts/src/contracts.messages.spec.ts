import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { categoryWeights, externalIdIssue, isExternalId, storableText, textIssue } from './common-fields';
import { updateSubscriptionV1 } from './alert-subscription.v1';
import { driftAlertQueryV1, orderedRange } from './drift-admin.v1';
import { driftDetectorConfigBodyV1, hddmAParamsV1, hddmWParamsV1, kswinParamsV1, ddmParamsV1, eddmParamsV1 } from './drift-detector-config.v1';
import { feedbackEventV1, itemObservation, pairwiseJudgment, ratingScale, type PairwiseEventV1, type RatingEventV1 } from './feedback-event.v1';
import { modelVersion } from './model-version';
import { WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_JOBS, WEBHOOK_DELIVERY_QUEUE, webhookDeliveryJobV1 } from './webhook-delivery.v1';
import { rerankBatchJobV1, rerankJobId, rerankJobV1, rerankRequestV1 } from './rerank-job.v1';
import { parseJsonWith, parseWith } from './validation-issue';
import { computeChorusSignature, verifyChorusSignature } from './webhook-signature';

// What each refusal says, written out: the schemas' own specs check which inputs are refused and where; these pin the
// words a client reads (and the edges of each bound), so an emptied or reworded message, or a bound moved by one,
// fails a test.

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const parsed = parseWith(schema, input);
  return parsed.ok ? [] : parsed.issues;
};

describe('validation issues', () => {
  const schema = z.strictObject({ a: z.number() });
  it('an empty or missing message is one issue at the root', () => {
    for (const text of [null, undefined, '']) expect(parseJsonWith(schema, text)).toEqual({ ok: false, issues: [{ path: '(root)', message: 'empty message: expected a JSON object' }] });
  });
  it('malformed JSON is an issue at the root naming the parser error', () => {
    // The parser's own words vary with the Node version; the frame around them does not.
    const malformed = { ok: false, issues: [{ path: '(root)', message: expect.stringMatching(/^not valid JSON \(.+\)$/) }] };
    expect(parseJsonWith(schema, '{')).toEqual(malformed);
    expect(parseJsonWith(schema, ' ')).toEqual(malformed);
    expect(parseJsonWith(schema, '{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });
  it('a refused record key is reported at the record, quoted, with every reason', () => {
    const record = z.strictObject({ categories: z.record(z.string().max(2, 'too long').regex(/^a/, 'must start with a'), z.number()) });
    expect(issuesOf(record, { categories: { bcd: 1 } })).toMatchInlineSnapshot(`
      [
        {
          "message": "key "bcd": too long; must start with a",
          "path": "categories",
        },
      ]
    `);
  });
});

describe('common fields', () => {
  it('external ids: every refusal has its sentence, and 128 code units is the limit', () => {
    expect(externalIdIssue('a'.repeat(128))).toBeUndefined();
    expect([externalIdIssue('a'.repeat(129)), externalIdIssue('a\ud800'), externalIdIssue('a\u0085'), externalIdIssue('a\u0001'), externalIdIssue('a b'), externalIdIssue('')]).toMatchInlineSnapshot(`
      [
        "must be at most 128 characters (UTF-16 code units; an emoji counts 2)",
        "must not contain a lone surrogate (an unpaired UTF-16 half such as \\ud800); send well-formed Unicode",
        "must not contain control characters (U+0000–U+001F, U+007F–U+009F)",
        "must not contain control characters (U+0000–U+001F, U+007F–U+009F)",
        "must not contain whitespace",
        "must not be empty",
      ]
    `);
    expect([isExternalId('a'.repeat(128)), isExternalId('a'.repeat(129)), isExternalId(''), isExternalId('a'), isExternalId(5), isExternalId(null)]).toEqual([true, false, false, true, false, false]);
  });
  it('storable text: refusals and their bounds', () => {
    expect([textIssue('tab\tnew\nline\r'), textIssue('a\ud800'), textIssue('a\u0000'), textIssue('a\u0001')]).toMatchInlineSnapshot(`
      [
        undefined,
        "must not contain a lone surrogate (an unpaired UTF-16 half such as \\ud800); send well-formed Unicode",
        "must not contain NUL (U+0000)",
        "must not contain control characters other than tab, newline and carriage return",
      ]
    `);
    const one = storableText('a name', { min: 1, max: 3 });
    const two = storableText('a name', { min: 2, max: 3 });
    expect([issuesOf(one, ''), issuesOf(one, 'abcd'), issuesOf(two, 'a'), issuesOf(one, 'a\u0000')]).toMatchInlineSnapshot(`
      [
        [
          {
            "message": "a name must not be empty",
            "path": "(root)",
          },
        ],
        [
          {
            "message": "a name must be at most 3 characters (UTF-16 code units)",
            "path": "(root)",
          },
        ],
        [
          {
            "message": "a name must be at least 2 characters",
            "path": "(root)",
          },
        ],
        [
          {
            "message": "a name must not contain NUL (U+0000)",
            "path": "(root)",
          },
        ],
      ]
    `);
    expect([issuesOf(one, 'abc'), issuesOf(one, 'a'), issuesOf(two, 'ab')]).toEqual([[], [], []]);
  });
  it('category weights: 1 to 64 categories, at least one positive weight', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`c${k}`, 1]));
    expect([issuesOf(categoryWeights, {}), issuesOf(categoryWeights, many(65)), issuesOf(categoryWeights, { a: 0, b: 0 })]).toMatchInlineSnapshot(`
      [
        [
          {
            "message": "must name at least one category",
            "path": "(root)",
          },
          {
            "message": "at least one category weight must be > 0",
            "path": "(root)",
          },
        ],
        [
          {
            "message": "must name at most 64 categories",
            "path": "(root)",
          },
        ],
        [
          {
            "message": "at least one category weight must be > 0",
            "path": "(root)",
          },
        ],
      ]
    `);
    expect([issuesOf(categoryWeights, many(64)), issuesOf(categoryWeights, { a: 0, b: 1 }), issuesOf(categoryWeights, { a: 1 })]).toEqual([[], [], []]);
  });
});

describe('model version', () => {
  it('is the user events and the aggregate events, dot-joined', () => {
    expect(modelVersion(3, 17)).toBe('3.17');
  });
});

describe('drift admin range', () => {
  it('needs from strictly before to, when both are given', () => {
    const at = (s: string) => `2026-12-07T10:00:0${s}Z`;
    expect([orderedRange({}), orderedRange({ from: at('0') }), orderedRange({ to: at('0') }), orderedRange({ from: at('0'), to: at('1') }), orderedRange({ from: at('1'), to: at('1') }), orderedRange({ from: at('2'), to: at('1') })]).toEqual([true, true, true, true, false, false]);
  });
});

describe('drift detector configs: parameter order at the defaults and at equality', () => {
  it('KSWIN needs windowSize ≥ 2·statSize', () => {
    expect([kswinParamsV1.safeParse({ windowSize: 60, statSize: 30 }).success, kswinParamsV1.safeParse({ windowSize: 59, statSize: 30 }).success, kswinParamsV1.safeParse({ windowSize: 60 }).success, kswinParamsV1.safeParse({ windowSize: 59 }).success, kswinParamsV1.safeParse({ statSize: 50 }).success, kswinParamsV1.safeParse({ statSize: 51 }).success]).toEqual([true, false, true, false, true, false]);
  });
  it('DDM needs warningThreshold ≤ driftThreshold', () => {
    expect([ddmParamsV1.safeParse({ warningThreshold: 3, driftThreshold: 3 }).success, ddmParamsV1.safeParse({ warningThreshold: 3.5 }).success, ddmParamsV1.safeParse({ driftThreshold: 1.5 }).success, ddmParamsV1.safeParse({ driftThreshold: 2 }).success]).toEqual([true, false, false, true]);
  });
  it('EDDM needs alpha ≥ beta', () => {
    expect([eddmParamsV1.safeParse({ alpha: 0.9, beta: 0.9 }).success, eddmParamsV1.safeParse({ alpha: 0.85, beta: 0.9 }).success, eddmParamsV1.safeParse({ alpha: 0.9 }).success, eddmParamsV1.safeParse({ alpha: 0.89 }).success, eddmParamsV1.safeParse({ beta: 0.95 }).success, eddmParamsV1.safeParse({ beta: 0.96 }).success]).toEqual([true, false, true, false, true, false]);
  });
  it('HDDM_A and HDDM_W need driftConfidence ≤ warningConfidence', () => {
    for (const schema of [hddmAParamsV1, hddmWParamsV1]) {
      expect([schema.safeParse({ driftConfidence: 0.005, warningConfidence: 0.005 }).success, schema.safeParse({ driftConfidence: 0.006 }).success, schema.safeParse({ driftConfidence: 0.005 }).success, schema.safeParse({ warningConfidence: 0.001 }).success, schema.safeParse({ warningConfidence: 0.0009 }).success]).toEqual([true, false, true, true, false]);
    }
  });
  const detectorBase = { harmful: true, criticalChange: 0.3, direction: 'up' };
  it('says what is wrong with binaryThreshold and direction', () => {
    expect([issuesOf(driftDetectorConfigBodyV1, { ...detectorBase, detector: 'DDM', direction: 'both' }), issuesOf(driftDetectorConfigBodyV1, { ...detectorBase, detector: 'DDM', binaryThreshold: 0.5 }), issuesOf(driftDetectorConfigBodyV1, { ...detectorBase, detector: 'ADWIN', binaryThreshold: 0.5 })]).toMatchInlineSnapshot(`
      [
        [
          {
            "message": "DDM watches bits: give binaryThreshold (an observation beyond it in the watched direction is a 1)",
            "path": "binaryThreshold",
          },
          {
            "message": "DDM watches bits: direction must be "up" or "down" (which side of binaryThreshold is a 1)",
            "path": "direction",
          },
        ],
        [],
        [
          {
            "message": "ADWIN watches real values; binaryThreshold applies only to DDM, EDDM, HDDM_A and HDDM_W",
            "path": "binaryThreshold",
          },
        ],
      ]
    `);
  });
});

describe('rerank jobs and requests', () => {
  const base = { domain: 'movies', reason: { kind: 'manual' } };
  it('says which scope needs or refuses userIds and segment', () => {
    expect([issuesOf(rerankJobV1, { ...base, scope: 'user' }), issuesOf(rerankJobV1, { ...base, scope: 'population', userIds: ['u'], segment: 's' })]).toMatchInlineSnapshot(`
      [
        [
          {
            "message": "a "user" job must list its userIds",
            "path": "userIds",
          },
        ],
        [
          {
            "message": "a "population" job covers every user of the domain; omit userIds",
            "path": "userIds",
          },
          {
            "message": "a "population" job has no segment; omit segment",
            "path": "segment",
          },
        ],
      ]
    `);
  });
  it('a request names whom to rerank exactly once', () => {
    expect([issuesOf(rerankRequestV1, { domain: 'movies' }), issuesOf(rerankRequestV1, { domain: 'movies', userIds: ['u'], all: true })]).toMatchInlineSnapshot(`
      [
        [
          {
            "message": "name whom to rerank: "userIds": [...], "segment": { "name", "userIds" } or "all": true",
            "path": "userIds",
          },
        ],
        [
          {
            "message": "give only one of userIds, segment, all (got userIds, all)",
            "path": "userIds",
          },
          {
            "message": "give only one of userIds, segment, all (got userIds, all)",
            "path": "all",
          },
        ],
      ]
    `);
  });
  it('a batch lists each user once', () => {
    expect(issuesOf(rerankBatchJobV1, { domain: 'movies', reason: { kind: 'manual' }, users: [{ userId: 'u', modelVersion: '1.2' }, { userId: 'u', modelVersion: '1.2' }] })).toMatchInlineSnapshot(`
      [
        {
          "message": "user "u" appears twice in the batch; list each user once",
          "path": "users[1].userId",
        },
      ]
    `);
  });
});

describe('webhook signatures: what a failed check says', () => {
  const secret = 'whsec';
  const now = 1_800_000_000_000;
  const t = now / 1000;
  const id = 'd-1';
  const sig = (ts: number, body: string | Uint8Array = '{}') => `t=${ts},v2=${computeChorusSignature(secret, ts, id, body)}`;
  const verify = (headers: Record<string, string | string[] | undefined>, body: string | Uint8Array = '{}') => verifyChorusSignature(secret, headers, body, { now, toleranceSeconds: 300 });
  it('names the missing or malformed header, the age and the mismatch', () => {
    expect([
      verify({ 'chorus-delivery-id': id }),
      verify({ 'chorus-signature': sig(t) }),
      verify({ 'chorus-signature': sig(t), 'chorus-delivery-id': 'a.b' }),
      verify({ 'chorus-signature': 't=1,v2=zz', 'chorus-delivery-id': id }),
      verify({ 'chorus-signature': sig(t - 301), 'chorus-delivery-id': id }),
      verify({ 'chorus-signature': sig(t + 301), 'chorus-delivery-id': id }),
      verify({ 'chorus-signature': sig(t, '{"a":1}'), 'chorus-delivery-id': id }),
    ]).toMatchInlineSnapshot(`
      [
        {
          "message": "no Chorus-Signature header",
          "ok": false,
          "reason": "MISSING_HEADER",
        },
        {
          "message": "no Chorus-Delivery-Id header (it is signed with the body)",
          "ok": false,
          "reason": "MISSING_HEADER",
        },
        {
          "message": "Chorus-Delivery-Id must be 1-128 letters, digits, "_" or "-"",
          "ok": false,
          "reason": "MALFORMED_HEADER",
        },
        {
          "message": "Chorus-Signature must look like "t=<unix seconds>,v2=<64 hex digits>"",
          "ok": false,
          "reason": "MALFORMED_HEADER",
        },
        {
          "message": "signed 301 s ago, more than the 300 s tolerance: a replay or a badly skewed clock",
          "ok": false,
          "reason": "STALE",
        },
        {
          "message": "signed 301 s in the future, more than the 300 s tolerance: check the clocks",
          "ok": false,
          "reason": "FUTURE",
        },
        {
          "message": "the signature does not match this delivery id and body under this secret",
          "ok": false,
          "reason": "MISMATCH",
        },
      ]
    `);
  });
  it('accepts at the tolerance edges, a body given as bytes, and a header given once in an array', () => {
    expect(verify({ 'chorus-signature': sig(t + 300), 'chorus-delivery-id': id }).ok).toBe(true);
    expect(verify({ 'chorus-signature': sig(t - 300), 'chorus-delivery-id': id }).ok).toBe(true);
    expect(verify({ 'chorus-signature': [sig(t)], 'chorus-delivery-id': [id] }).ok).toBe(true);
    expect(verify({ 'Chorus-Signature': sig(t), 'Chorus-Delivery-Id': id }).ok).toBe(true);
    expect(verify({ 'chorus-signature': [sig(t), sig(t)], 'chorus-delivery-id': id }).ok).toBe(false);
    expect(verify({ 'chorus-signature': sig(t, Buffer.from('{}')), 'chorus-delivery-id': id }, Buffer.from('{}')).ok).toBe(true);
    // A signature with a hex prefix or suffix is not 64 hex digits.
    const good = computeChorusSignature(secret, t, id, '{}');
    expect(verify({ 'chorus-signature': `t=${t},v2=0${good}`, 'chorus-delivery-id': id })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verify({ 'chorus-signature': `t=${t},v2=${good}0`, 'chorus-delivery-id': id })).toMatchObject({ ok: false, reason: 'MALFORMED_HEADER' });
    // Only the named headers count, whatever comes before them.
    expect(verify({ 'x-other': 'zzz', 'chorus-signature': sig(t), 'x-more': 'yyy', 'chorus-delivery-id': id }).ok).toBe(true);
    // An absent copy (undefined) does not hide a present one spelled in another case.
    expect(verify({ 'Chorus-Signature': undefined, 'chorus-signature': sig(t), 'chorus-delivery-id': id }).ok).toBe(true);
  });
  it('signs timestamp, delivery id and body, dot-separated, as HMAC-SHA256', () => {
    expect(computeChorusSignature('k', 1, 'id', 'b')).toBe(createHmac('sha256', 'k').update('1.id.b').digest('hex'));
    expect(computeChorusSignature('k', 1, 'id', new Uint8Array([98]))).toBe(computeChorusSignature('k', 1, 'id', 'b'));
  });
});

describe('feedback events: the rating scale edges and the reliability views', () => {
  it('positiveAt lies in (min, max]; max above min; the value within [min, max]', () => {
    const ok = (scale: unknown) => ratingScale.safeParse(scale).success;
    expect([ok({ min: 1, max: 5, positiveAt: 1 }), ok({ min: 1, max: 5, positiveAt: 1.5 }), ok({ min: 1, max: 5, positiveAt: 5 }), ok({ min: 1, max: 5, positiveAt: 5.5 }), ok({ min: 1, max: 5 })]).toEqual([false, true, true, false, true]);
    expect(issuesOf(ratingScale, { min: 2, max: 2 })).toEqual([{ path: 'max', message: 'scale.max must be greater than scale.min' }]);
    expect(issuesOf(ratingScale, { min: 1, max: 5, positiveAt: 6 })).toEqual([{ path: 'positiveAt', message: 'scale.positiveAt must lie in (min, max]' }]);
    const rating = (value: number) => ({ eventId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01', userId: 'u', occurredAt: '2026-11-27T10:00:00Z', domain: 'movies', type: 'rating', itemId: 'i', value });
    expect([1, 5, 0.5, 5.5].map((value) => feedbackEventV1.safeParse(rating(value)).success)).toEqual([true, true, false, false]);
  });
  it('maps a pairwise event to a judgment and a rating to an item observation, context fields included', () => {
    const common = { schemaVersion: 1 as const, eventId: 'e', userId: 'u', occurredAt: 't', domain: 'movies' };
    const context = { surface: 'home', position: 2, framingId: 'f', order: 'chosen-first' };
    const pair = { ...common, type: 'pairwise', chosenId: 'a', rejectedId: 'b' } as unknown as PairwiseEventV1;
    expect(pairwiseJudgment(pair)).toEqual({ userId: 'u', chosenId: 'a', rejectedId: 'b', tie: false, position: undefined, framingId: undefined, surface: undefined, order: undefined });
    expect(pairwiseJudgment({ ...pair, tie: true, context } as unknown as PairwiseEventV1)).toEqual({ userId: 'u', chosenId: 'a', rejectedId: 'b', tie: true, position: 2, framingId: 'f', surface: 'home', order: 'chosen-first' });
    const rated = { ...common, type: 'rating', itemId: 'i', value: 4, scale: { min: 1, max: 5 } } as unknown as RatingEventV1;
    expect(itemObservation(rated, true)).toEqual({ userId: 'u', itemId: 'i', positive: true, position: undefined, framingId: undefined, surface: undefined, order: undefined });
    expect(itemObservation({ ...rated, context } as unknown as RatingEventV1, false)).toEqual({ userId: 'u', itemId: 'i', positive: false, position: 2, framingId: 'f', surface: 'home', order: 'chosen-first' });
  });
});

describe('webhook delivery jobs', () => {
  it('are "deliver" jobs on the "webhook-deliveries" queue, naming a delivery by its UUID', () => {
    expect([WEBHOOK_DELIVERY_QUEUE, WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_JOBS]).toEqual(['webhook-deliveries', 'deliver', ['deliver']]);
    expect(webhookDeliveryJobV1.safeParse({ deliveryId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01' }).success).toBe(true);
    expect(webhookDeliveryJobV1.safeParse({ deliveryId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01', extra: 1 }).success).toBe(false);
  });
});

describe('alert subscription updates', () => {
  it('must change something', () => {
    expect(issuesOf(updateSubscriptionV1, {})).toEqual([{ path: '(root)', message: 'name at least one field to change: url, description, secret, filters, active' }]);
    expect(issuesOf(updateSubscriptionV1, { active: false })).toEqual([]);
    // A field given as undefined changes nothing either.
    expect(issuesOf(updateSubscriptionV1, { url: undefined })).toEqual([{ path: '(root)', message: 'name at least one field to change: url, description, secret, filters, active' }]);
  });
});

describe('the refinements report custom issues', () => {
  // Zod's issue code is part of what safeParse returns to a caller that does not go through toIssues.
  const codes = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error?.issues.map((issue) => issue.code);
  it('for ids, texts, detector configs and rerank jobs', () => {
    expect([
      codes(z.object({ id: storableText('x', { max: 1 }) }), { id: 'ab' }),
      codes(driftDetectorConfigBodyV1, { harmful: true, criticalChange: 0.3, detector: 'DDM', direction: 'both' }),
      codes(driftDetectorConfigBodyV1, { harmful: true, criticalChange: 0.3, direction: 'up', detector: 'ADWIN', binaryThreshold: 0.5 }),
      codes(rerankJobV1, { domain: 'movies', reason: { kind: 'manual' }, scope: 'user' }),
      codes(rerankJobV1, { domain: 'movies', reason: { kind: 'manual' }, scope: 'population', userIds: ['u'], segment: 's' }),
      codes(rerankRequestV1, { domain: 'movies' }),
      codes(rerankRequestV1, { domain: 'movies', userIds: ['u'], all: true }),
      codes(rerankBatchJobV1, { domain: 'movies', reason: { kind: 'manual' }, users: [{ userId: 'u', modelVersion: '1.2' }, { userId: 'u', modelVersion: '1.2' }] }),
      codes(rerankJobId, 'a b'),
    ]).toEqual([['custom'], ['custom', 'custom'], ['custom'], ['custom'], ['custom', 'custom'], ['custom'], ['custom', 'custom'], ['custom'], ['custom']]);
  });
});

describe('more edges', () => {
  it('an id at the length limit is judged by its characters', () => {
    expect(externalIdIssue(`${'a'.repeat(127)} `)).toBe('must not contain whitespace');
    expect(externalIdIssue('a'.repeat(512), 512)).toBeUndefined();
  });
  it('rerank job ids follow the id rule up to 512 characters', () => {
    expect([issuesOf(rerankJobId, 'a'.repeat(512)), issuesOf(rerankJobId, 'a'.repeat(513)), issuesOf(rerankJobId, 'a b')]).toEqual([
      [],
      [{ path: '(root)', message: 'must be at most 512 characters (UTF-16 code units; an emoji counts 2)' }],
      [{ path: '(root)', message: 'must not contain whitespace' }],
    ]);
  });
  it('storable text says when it is not a string, and its OpenAPI bounds', () => {
    expect(issuesOf(storableText('a name', { max: 3 }), 5)).toEqual([{ path: '(root)', message: 'a name must be a string' }]);
    expect(storableText('a name', { min: 1, max: 3 }).meta()).toEqual({ minLength: 1, maxLength: 3 });
    expect(storableText('a name', { max: 3 }).meta()).toEqual({ maxLength: 3 });
  });
  it('a refused key deep in an object is reported at its record', () => {
    const nested = z.strictObject({ outer: z.strictObject({ categories: z.record(z.string().max(2, 'too long'), z.number()) }) });
    expect(issuesOf(nested, { outer: { categories: { bcd: 1 } } })).toEqual([{ path: 'outer.categories', message: 'key "bcd": too long' }]);
  });
  it('the alert query reads acknowledged as a boolean', () => {
    expect([driftAlertQueryV1.parse({ acknowledged: 'true' }).acknowledged, driftAlertQueryV1.parse({ acknowledged: 'false' }).acknowledged]).toEqual([true, false]);
    expect(issuesOf(driftAlertQueryV1, { acknowledged: 'yes' })).toEqual([{ path: 'acknowledged', message: 'acknowledged must be "true" or "false"' }]);
  });
});
