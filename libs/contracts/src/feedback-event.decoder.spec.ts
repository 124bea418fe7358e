import { describe, expect, it } from 'vitest';
import { isoTimestamp, uuid } from './common-fields';
import { decodeFeedbackEvent } from './feedback-event.decoder';
import { feedbackEventV1 } from './feedback-event.v1';
import { commonFeedbackShapes, feedbackBase } from './testing/feedback-shapes';
import { mulberry32 } from '@chorus/random';

// The oracle is the slow path the decoder stands in for: utf8 text → JSON.parse → feedbackEventV1. The decoder may
// decline (undefined) but must never disagree; on the canonical shapes it must not decline either.

const UUID_PATTERN = (uuid as unknown as { _zod: { pattern: RegExp } })._zod.pattern;
const TIMESTAMP_PATTERN = (isoTimestamp as unknown as { _zod: { pattern: RegExp } })._zod.pattern;


class Gen {
  readonly rand: () => number;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[] | string): T {
    return xs[Math.floor(this.rand() * xs.length)] as T;
  }
  string(length: number, alphabet: string): string {
    let s = '';
    for (let k = 0; k < length; k++) s += this.pick<string>(alphabet);
    return s;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let k = xs.length - 1; k > 0; k--) {
      const j = Math.floor(this.rand() * (k + 1));
      [xs[k], xs[j]] = [xs[j]!, xs[k]!];
    }
    return xs;
  }
}

type Oracle = { ok: true; value: unknown } | { ok: false };

function oracle(bytes: Buffer): Oracle {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false };
  }
  const result = feedbackEventV1.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

/**
 * Decode `message` as a record in the middle of a batch: `before` and `after` stand for the neighbouring records, so a
 * decoder reading outside [start, end) sees plausible bytes. Asserts the decoder never disagrees with the oracle.
 */
function decodeAndCheck(message: string | Buffer, before: string | Buffer = 'xx', after: string | Buffer = '}"1,'): { decoded: unknown; expected: Oracle } {
  const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const head = typeof before === 'string' ? Buffer.from(before, 'utf8') : before;
  const tail = typeof after === 'string' ? Buffer.from(after, 'utf8') : after;
  const text = Buffer.concat([head, bytes, tail]).toString('latin1');
  const decoded = decodeFeedbackEvent(text, head.length, head.length + bytes.length);
  const expected = oracle(bytes);
  if (decoded !== undefined) {
    const shown = bytes.toString('utf8');
    expect(expected.ok, `decoder accepted what the schema refuses: ${shown}`).toBe(true);
    const value = (expected as { value: unknown }).value;
    expect(decoded, shown).toStrictEqual(value); // distinguishes -0 from 0 and absent keys from undefined ones
    expect(JSON.stringify(decoded), shown).toBe(JSON.stringify(value)); // and the key order
  }
  return { decoded, expected };
}

// ---------------------------------------------------------------------------------------------------------------------
// Generators. Each makes mostly valid values and, with probability `flaw`, values on or past the schema's edges.

const HEX = '0123456789abcdef';
const HEX_ANY_CASE = '0123456789abcdefABCDEF';
const PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, k) => String.fromCharCode(0x21 + k)).join(''); // ! … ~
const CLEAN_ID_CHARS = PRINTABLE.replace(/["\\]/g, ''); // what JSON.stringify writes as is
const ODD_ID_CHARS = [' ', '\t', '\n', '\v', '\f', '\r', '\u0000', '\u0085', '\u00a0', '\u2028', '\ufeff', 'é', 'ß', '日本', '😀', '"', '\\', '/', '\u007f', '\ud800', '\udc00'];
const SPACES = ['', '', '', ' ', '  ', '\n', '\t', '\r\n', ' \n\t '];

function genUuid(g: Gen, flaw = 0.3): string {
  const v4 = () => `${g.string(8, HEX)}-${g.string(4, HEX)}-4${g.string(3, HEX)}-${g.pick('89ab')}${g.string(3, HEX)}-${g.string(12, HEX)}`;
  if (!g.chance(flaw)) return g.chance(0.1) ? v4().toUpperCase() : v4();
  const r = g.rand();
  if (r < 0.3) {
    // any version and variant digit, any case: the pattern admits versions 1–8 and variants 8, 9, a, b only
    return `${g.string(8, HEX_ANY_CASE)}-${g.string(4, HEX_ANY_CASE)}-${g.string(4, HEX_ANY_CASE)}-${g.string(4, HEX_ANY_CASE)}-${g.string(12, HEX_ANY_CASE)}`;
  }
  if (r < 0.45) {
    return g.pick([
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      'ffffffff-ffff-ffff-ffff-fffffffffffF',
      '00000000-0000-0000-0000-000000000001',
      '00000000-0000-1000-8000-000000000000',
      'fffffffff-fff-ffff-ffff-ffffffffffff',
      '0b8f6f0e0a654c559a0e7d2f0f3e1a01',
      '{0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01}',
    ]);
  }
  // one character replaced, inserted or deleted
  const s = v4();
  const at = g.int(0, s.length - 1);
  const c = g.pick(['g', 'G', '-', ' ', '0', 'A', 'é', '"', 'z']);
  const op = g.int(0, 2);
  return op === 0 ? s.slice(0, at) + c + s.slice(at + 1) : op === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function genTimestamp(g: Gen, flaw = 0.3): string {
  if (!g.chance(flaw)) {
    const ms = Date.UTC(1970, 0, 1) + Math.floor(g.rand() * 5e12);
    const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const r = g.rand();
    if (r < 0.5) return iso;
    if (r < 0.7) return iso.slice(0, 19) + 'Z';
    const offset = `${g.pick('+-')}${pad(g.int(0, 23))}:${pad(g.int(0, 59))}`;
    return iso.slice(0, 19) + (g.chance(0.5) ? `.${g.string(g.int(1, 9), '0123456789')}` : '') + offset;
  }
  const year = g.chance(0.6)
    ? g.pick(['0000', '0004', '0100', '0400', '1600', '1700', '1900', '2000', '2023', '2024', '2026', '2100', '2400', '9996', '9999'])
    : g.chance(0.9) ? pad(g.int(0, 9999), 4) : g.pick(['999', '10000', '+2026', '2O26']);
  const month = g.chance(0.95) ? pad(g.int(0, 13)) : g.pick(['1', '001', 'xx']);
  const day = g.chance(0.6) ? pad(g.int(27, 32)) : g.chance(0.95) ? pad(g.int(0, 32)) : g.pick(['1', '001']);
  const time = `${pad(g.int(0, 24))}:${pad(g.int(0, 60))}:${pad(g.int(0, 60))}`;
  const fraction = g.pick(['', '', `.${g.string(g.int(1, 12), '0123456789')}`, '.', ',5', '.5.5']);
  const zone = g.pick(['Z', 'Z', 'z', '', `+${pad(g.int(0, 24))}:${pad(g.int(0, 60))}`, `-${pad(g.int(0, 24))}:${pad(g.int(0, 60))}`, '+0100', '+01', '+01:00:00', 'Z ', ' Z']);
  const separator = g.chance(0.9) ? 'T' : g.pick(['t', ' ', '_']);
  const dateSeparator = g.chance(0.97) ? '-' : '/';
  return g.chance(0.97) ? `${year}${dateSeparator}${month}-${day}${separator}${time}${fraction}${zone}` : g.pick(['', 'now', '2026-11-27', '10:00:00Z']);
}

function genDomain(g: Gen, flaw = 0.3): string {
  const tail = 'abcdefghijklmnopqrstuvwxyz0123456789_-';
  if (!g.chance(flaw)) return g.pick('abcdefghijklmnopqrstuvwxyz') + g.string(g.chance(0.8) ? g.int(0, 10) : g.int(0, 63), tail);
  // Lengths on the edges, and half the time one character from outside the alphabet somewhere (also first).
  const length = g.pick([0, 1, 2, 63, 64, 65, 66, g.int(1, 70)]);
  let s = length > 0 ? g.pick('abcdefghijklmnopqrstuvwxyz') + g.string(length - 1, tail) : '';
  if (length > 0 && g.chance(0.5)) {
    const at = g.chance(0.3) ? 0 : g.int(0, length - 1);
    s = s.slice(0, at) + g.pick(['A', 'Z', '0', '_', '-', '.', ' ', 'é', '"', '\\', '/', '`', '{']) + s.slice(at + 1);
  }
  return s;
}

function genId(g: Gen, flaw = 0.3): string {
  if (!g.chance(flaw)) return g.chance(0.7) ? `${g.pick(['user', 'item', 'm', 'list', 'u'])}-${g.int(0, 99999)}` : g.string(g.int(1, 40), CLEAN_ID_CHARS);
  // Lengths on the edges, and half the time one character JSON escapes, whitespace or non-ASCII somewhere.
  const length = g.pick([0, 1, 2, 12, 13, 127, 128, 129, 130, 200, g.int(1, 60)]);
  let s = g.string(length, CLEAN_ID_CHARS);
  if (length > 0 && g.chance(0.5)) {
    const at = g.int(0, length - 1);
    s = s.slice(0, at) + g.pick(ODD_ID_CHARS) + s.slice(at + 1);
  }
  return s;
}

/** A JSON text for x in one of the forms a producer might write (all denote the same double). */
function numberText(g: Gen, x: number): string {
  if (Object.is(x, -0)) return g.pick(['-0', '-0.0', '-0e0', '-0E+3', '0']);
  const forms = [JSON.stringify(x), x.toExponential(), x.toExponential().toUpperCase(), x.toExponential().replace('e+', 'e')];
  if (Number.isInteger(x) && Math.abs(x) < 1e15) forms.push(`${x}.0`, `${x}.000`, `${x}0e-1`, `${x}e0`, `${x}E+00`);
  return g.pick(forms);
}

type Field = [key: string, json: string];
type EventType = 'rating' | 'click' | 'skip' | 'pairwise';

const RATING_VALUES = [1, 2, 3, 4, 5, 0, -0, 0.5, 4.5, 5.5, 6, -1, 10, 0.1, 2.5e-3, 1e308, -1e308, 1.7976931348623157e308, 5e-324, 3.000000000000001];
const SCALES: ([number, number] | undefined)[] = [undefined, undefined, [1, 5], [0, 10], [0.5, 5], [-1, 1], [5, 1], [1, 1], [-1e308, 1e308], [0, 0.1], [-0, 5]];

/** An event as a list of JSON fields; `flaw` is the chance that each field is drawn from its edge cases. */
function genFields(g: Gen, flaw: number, type: EventType = g.pick(['rating', 'click', 'skip', 'pairwise'] as const)): Field[] {
  const s = (v: string) => JSON.stringify(v);
  const fields: Field[] = [
    ['eventId', s(genUuid(g, flaw))],
    ['userId', s(genId(g, flaw))],
    ['occurredAt', s(genTimestamp(g, flaw))],
    ['domain', s(genDomain(g, flaw))],
    ['type', s(type)],
  ];
  if (g.chance(0.2)) fields.push(['schemaVersion', g.chance(1 - flaw) ? numberText(g, 1) : g.pick(['2', '0', '"1"', 'true', '1.5', '-1'])]);
  if (g.chance(0.2)) fields.push(['listId', s(genId(g, flaw))]);
  if (type === 'pairwise') {
    const chosen = genId(g, flaw);
    fields.push(['chosenId', s(chosen)], ['rejectedId', s(g.chance(0.1) ? chosen : genId(g, flaw))]);
    if (g.chance(0.5)) fields.push(['tie', g.chance(0.5) ? 'true' : 'false']);
  } else {
    fields.push(['itemId', s(genId(g, flaw))]);
  }
  if (type === 'rating') {
    const scale = g.chance(flaw) ? g.pick(SCALES) : g.pick(SCALES.slice(0, 5));
    const value = g.chance(flaw) ? g.pick(RATING_VALUES) : scale ? scale[0] + g.int(0, 4) * ((scale[1] - scale[0]) / 4) : g.int(1, 5);
    fields.push(['value', g.chance(0.02) ? g.pick(['1e400', '-1e400', '3.', '.5', '+3', '03', '0x3', 'NaN', 'Infinity', '3e', '"3"']) : numberText(g, value)]);
    const bounds: Field[] = [['min', numberText(g, scale?.[0] ?? 1)], ['max', numberText(g, scale?.[1] ?? 5)]];
    if (scale) fields.push(['scale', render(g, g.chance(0.5) ? bounds : g.shuffle(bounds), g.chance(0.3))]);
  }
  // Half in the schema's output order (what producers forwarding parsed events write), half in any order.
  return g.chance(0.5) ? fields.sort(([a], [b]) => SCHEMA_ORDER.indexOf(a) - SCHEMA_ORDER.indexOf(b)) : g.shuffle(fields);
}

const SCHEMA_ORDER = ['schemaVersion', 'eventId', 'userId', 'occurredAt', 'domain', 'listId', 'type', 'itemId', 'value', 'scale', 'chosenId', 'rejectedId', 'tie'];

/** JSON text of the fields, with random JSON whitespace between tokens when `spaced`. */
function render(g: Gen, fields: Field[], spaced: boolean): string {
  const sp = () => (spaced && g.chance(0.3) ? g.pick(SPACES) : '');
  if (fields.length === 0) return `${sp()}{${sp()}}${sp()}`;
  return `${sp()}{${fields.map(([key, json]) => `${sp()}${JSON.stringify(key)}${sp()}:${sp()}${json}${sp()}`).join(',')}}${sp()}`;
}

/**
 * Whether a JSON text the schema takes is one the decoder must take too: pure ASCII and no escapes. (The generators
 * this is used with never write a context, a positiveAt or a key twice, the other things the decoder declines.)
 */
function isCanonical(json: string): boolean {
  return /^[\x00-\x7f]*$/.test(json) && !json.includes('\\');
}

// ---------------------------------------------------------------------------------------------------------------------

const canonical: Record<string, unknown>[] = [
  ...commonFeedbackShapes,
  { schemaVersion: 1, ...feedbackBase, occurredAt: '2026-11-27T10:00:00.123+05:30', listId: 'list-7', type: 'pairwise', chosenId: 'item-1', rejectedId: 'item-2', tie: true },
  { ...feedbackBase, type: 'rating', itemId: 'item-9', value: -0.25, scale: { max: 1, min: -1 }, listId: 'l', schemaVersion: 1 },
];

// Seeded property tests of tens of thousands of cases: about a second alone, but several on a 2-core machine busy with
// other work, so they get more than vitest's 5 s default (a timeout here would say nothing about correctness).
describe('decodeFeedbackEvent', { timeout: 60_000 }, () => {
  it('accepts the canonical shapes (as JSON.stringify writes them, before and after the schema) and returns what the schema returns', () => {
    for (const event of canonical) {
      for (const json of [JSON.stringify(event), JSON.stringify(feedbackEventV1.parse(event)), JSON.stringify(event, null, 2)]) {
        const { decoded } = decodeAndCheck(json);
        expect(decoded, json).toBeDefined();
      }
    }
  });

  it('declines what it does not handle although the schema takes it (context, positiveAt, escapes, non-ASCII, duplicate keys)', () => {
    const cases = [
      JSON.stringify({ ...canonical[0], context: { position: 1 } }),
      JSON.stringify({ ...canonical[2], scale: { min: 1, max: 5, positiveAt: 4 } }),
      JSON.stringify(canonical[0]).replace('"m-1"', '"\\u006d-1"'),
      JSON.stringify(canonical[0]).replace('"m-1"', '"m\\/1"'),
      JSON.stringify({ ...canonical[0], itemId: 'café' }),
      JSON.stringify(canonical[0]).replace('"itemId":"m-1"', '"itemId":"m-0","itemId":"m-1"'),
      // a duplicate where the canonical order expects that key next (after userId comes occurredAt)
      `{"eventId":"${feedbackBase.eventId}","occurredAt":"${feedbackBase.occurredAt}","userId":"u-1","occurredAt":"${feedbackBase.occurredAt}","domain":"movies","type":"click","itemId":"m-1"}`,
    ];
    for (const json of cases) {
      const { decoded, expected } = decodeAndCheck(json);
      expect(expected.ok, json).toBe(true);
      expect(decoded, json).toBeUndefined();
    }
  });

  it('refuses every other byte where a key or its first letter belongs (256 × 3 probes)', () => {
    const json = JSON.stringify(canonical[3]);
    for (let byte = 0; byte < 256; byte++) {
      const c = Buffer.from([byte]);
      for (const bytes of [
        Buffer.concat([Buffer.from('{'), c, Buffer.from('1,'), Buffer.from(json.slice(1))]), // a byte, then a number, before the first key
        Buffer.concat([Buffer.from('{"'), c, Buffer.from(json.slice(3))]), // the first letter of "eventId" replaced
        Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"'), c, Buffer.from('":1}')]), // an extra one-letter key
      ]) {
        const { decoded, expected } = decodeAndCheck(bytes);
        if (!expected.ok) expect(decoded, bytes.toString('latin1')).toBeUndefined();
      }
    }
  });

  it('declines empty, blank and non-object messages', () => {
    for (const json of ['', ' ', '\n', '{}', '{ }', 'null', '[]', '"x"', '1', 'true', `[${JSON.stringify(canonical[0])}]`, '{', '}']) {
      const { decoded } = decodeAndCheck(json);
      expect(decoded, JSON.stringify(json)).toBeUndefined();
    }
    expect(decodeFeedbackEvent('', 0, 0)).toBeUndefined();
    const json = JSON.stringify(canonical[0]);
    expect(decodeFeedbackEvent(json, 0, json.length + 1)).toBeUndefined(); // end past the text
    expect(decodeFeedbackEvent(json, -1, json.length)).toBeUndefined();
    expect(decodeFeedbackEvent(json, 5, 4)).toBeUndefined();
  });

  it('takes exactly the canonical events the schema takes (20,000 seeded events: every type, optional fields, key order, whitespace, number forms, edge-case fields)', () => {
    const g = new Gen(7001);
    let accepted = 0;
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      const json = render(g, genFields(g, 0.15), g.chance(0.5));
      const { decoded, expected } = decodeAndCheck(json);
      const shouldAccept = expected.ok && isCanonical(json);
      if (expected.ok) valid++;
      if (decoded !== undefined) accepted++;
      expect(decoded !== undefined, `decoder ${decoded ? 'accepted' : 'declined'} ${json}`).toBe(shouldAccept);
    }
    // Both outcomes well represented, or the property says little.
    expect(valid).toBeGreaterThan(5_000);
    expect(20_000 - valid).toBeGreaterThan(5_000);
    expect(accepted).toBeGreaterThan(0.85 * valid);
  });

  it('agrees with the schema pattern on every UUID (20,000 seeded candidates)', () => {
    const g = new Gen(7002);
    let matched = 0;
    for (let n = 0; n < 20_000; n++) {
      const candidate = genUuid(g, 0.7);
      const json = JSON.stringify({ ...canonical[0], eventId: candidate });
      const { decoded } = decodeAndCheck(json);
      const matches = UUID_PATTERN.test(candidate);
      if (matches) matched++;
      expect(decoded !== undefined, candidate).toBe(matches && isCanonical(json));
    }
    expect(matched).toBeGreaterThan(4_000);
    expect(matched).toBeLessThan(16_000);
  });

  it('agrees with the schema pattern on every timestamp (30,000 seeded candidates: calendar edges, leap years, fractions, offsets)', () => {
    const g = new Gen(7003);
    let matched = 0;
    for (let n = 0; n < 30_000; n++) {
      const candidate = genTimestamp(g, 0.8);
      const json = JSON.stringify({ ...canonical[3], occurredAt: candidate });
      const { decoded } = decodeAndCheck(json);
      const matches = TIMESTAMP_PATTERN.test(candidate);
      if (matches) matched++;
      expect(decoded !== undefined, candidate).toBe(matches && isCanonical(json));
    }
    expect(matched).toBeGreaterThan(6_000);
    expect(matched).toBeLessThan(24_000);
    // Named edges: Feb 29 by the Gregorian rule, day 31 in 30-day months, hour 24, leap seconds, lowercase z.
    for (const [candidate, ok] of [
      ['2024-02-29T00:00:00Z', true], ['2000-02-29T00:00:00Z', true], ['1900-02-29T00:00:00Z', false], ['0000-02-29T00:00:00Z', true],
      ['2026-04-31T00:00:00Z', false], ['2026-12-31T23:59:59.999999999-23:59', true], ['2026-01-01T24:00:00Z', false],
      ['2026-06-30T23:59:60Z', false], ['2026-01-01T00:00:00z', false], ['2026-01-01T00:00:00', false], ['2026-01-01T00:00Z', false],
    ] as const) {
      expect(TIMESTAMP_PATTERN.test(candidate), candidate).toBe(ok);
      expect(decodeAndCheck(JSON.stringify({ ...canonical[0], occurredAt: candidate })).decoded !== undefined, candidate).toBe(ok);
    }
  });

  it('agrees with the slow path on every domain and external id (20,000 seeded candidates each)', () => {
    const g = new Gen(7004);
    let domains = 0;
    let ids = 0;
    for (let n = 0; n < 20_000; n++) {
      const domain = genDomain(g, 0.7);
      const domainJson = JSON.stringify({ ...canonical[0], domain });
      const domainMatches = oracle(Buffer.from(domainJson, 'utf8')).ok;
      if (domainMatches) domains++;
      expect(decodeAndCheck(domainJson).decoded !== undefined, domain).toBe(domainMatches && isCanonical(domainJson));

      const id = genId(g, 0.7);
      const key = g.pick(['userId', 'itemId', 'listId', 'chosenId', 'rejectedId'] as const);
      const pairwise = key === 'chosenId' || key === 'rejectedId';
      const event = { ...(pairwise ? canonical[5] : canonical[0]), [key]: id };
      const idJson = JSON.stringify(event);
      // The expected answer is the slow path's (JSON.parse and the schema), not the id pattern: the rule itself is
      // pinned by literal cases in common-fields.spec.ts.
      const idValid = oracle(Buffer.from(idJson, 'utf8')).ok;
      if (idValid) ids++;
      expect(decodeAndCheck(idJson).decoded !== undefined, JSON.stringify(id)).toBe(idValid && isCanonical(idJson));
    }
    expect(domains).toBeGreaterThan(4_000);
    expect(ids).toBeGreaterThan(4_000);
  });

  it('never disagrees with the schema under mutation (40,000 seeded mutants: edits, truncation, dropped/duplicated/unknown keys, escapes, non-ASCII, nesting, garbage)', () => {
    const g = new Gen(7005);
    const unknownKeys = ['itemID', 'context', '__proto__', 'positiveAt', 'extra', '', 'Type', 'eventid', 'tie', 'scale', 'value', 'itemId', 'chosenId', 'schemaVersion', 'min'];
    const probes = ['null', 'true', 'false', '[]', '{}', '{"position":1}', '{"surface":"home","order":2}', '"x"', '1', '[1]', '"m-1"', '{"min":1,"max":5}', '{"min":1,"max":5,"positiveAt":4}', '{"min":1}', '{"min":1,"max":5,"min":2}', '{"min":"1","max":5}', '"rating"', '"2026-11-27T10:00:00Z"', '-0', '1e999'];
    const editChars = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\t', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u00a0', '0', '9', '-', '.', 'e', 'E', '+', 'a', 'Z', 'T', 'n', 't', 'f'];
    let accepted = 0;
    let valid = 0;
    for (let n = 0; n < 40_000; n++) {
      const fields = genFields(g, 0.05);
      const fieldMutations = g.int(0, 2);
      for (let m = 0; m < fieldMutations; m++) {
        const at = g.int(0, fields.length - 1);
        const [key, json] = fields[at]!;
        switch (g.int(0, 6)) {
          case 0: // dropped
            fields.splice(at, 1);
            break;
          case 1: // duplicated, the same or another value (JSON.parse keeps the last)
            fields.splice(g.int(0, fields.length), 0, [key, g.chance(0.5) ? json : g.pick(probes)]);
            break;
          case 2: // unknown or type-foreign key
            fields.splice(g.int(0, fields.length), 0, [g.pick(unknownKeys), g.pick(probes)]);
            break;
          case 3: // value of the wrong kind
            fields[at] = [key, g.pick(probes)];
            break;
          case 4: {
            // an escape in a string value that means the same character (\u0061, \/): valid JSON, same string
            if (json.startsWith('"') && json.length > 2) {
              const k = g.int(1, json.length - 2);
              const c = json[k]!;
              if (c !== '\\' && c !== '"' && json[k - 1] !== '\\') fields[at] = [key, json.slice(0, k) + (c === '/' || g.chance(0.7) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\${c}`) + json.slice(k + 1)];
            }
            break;
          }
          case 5: // a non-ASCII character in a string (utf8 bytes seen as latin1)
            if (json.startsWith('"')) fields[at] = [key, `"${g.pick(['é', '日', '😀', '\u00a0', '\u2028', 'Ã©'])}${json.slice(1)}`];
            break;
          default: // a nested context object
            fields.push(['context', g.pick(['{"position":1}', '{"surface":"home"}', '{}', '{"position":-1}', '{"framingId":"f","order":0}'])]);
        }
      }
      let json = render(g, fields, g.chance(0.5));
      const textMutations = g.chance(0.5) ? g.int(1, 3) : 0;
      for (let m = 0; m < textMutations; m++) {
        const at = g.int(0, json.length);
        switch (g.int(0, 4)) {
          case 0:
            json = json.slice(0, at) + g.pick(editChars) + json.slice(at + 1);
            break;
          case 1:
            json = json.slice(0, at) + g.pick(editChars) + json.slice(at);
            break;
          case 2:
            json = json.slice(0, at) + json.slice(at + 1);
            break;
          case 3:
            json += g.pick(['x', '}', ',', ' {}', '\u0000', 'é', ' 1', '//', '\n\n']);
            break;
          default:
            json = g.pick(['', ' ', json.slice(0, at)]);
        }
      }
      // Half the time the message is cut short inside the batch: the bytes after `end` are the rest of it.
      let before: string = g.pick(['', '{', '"', 'xx', JSON.stringify(canonical[0])]);
      let after: string = g.pick(['', '}', '"}', '0}', ',"x":1}', JSON.stringify(canonical[1])]);
      if (g.chance(0.3) && json.length > 0) {
        const cut = g.int(0, json.length - 1);
        after = json.slice(cut) + after;
        json = json.slice(0, cut);
      }
      if (g.chance(0.1)) before += ' ';
      const { decoded, expected } = decodeAndCheck(json, before, after);
      if (expected.ok) valid++;
      if (decoded !== undefined) accepted++;
    }
    // A fair share of mutants stay valid and the decoder takes most of those, or the property would be idle.
    expect(valid).toBeGreaterThan(4_000);
    expect(accepted).toBeGreaterThan(0.5 * valid);
  });

  it('decodes each record of a batch by its byte offsets, whatever the neighbours hold', () => {
    const g = new Gen(7006);
    const messages: Buffer[] = [];
    for (let n = 0; n < 400; n++) {
      const r = g.rand();
      const json = r < 0.8 ? render(g, genFields(g, 0), g.chance(0.3)) : r < 0.9 ? JSON.stringify({ ...canonical[0], userId: `ü-${n}` }) : g.pick(['', '{', 'null', '{"type":"click"}']);
      messages.push(Buffer.from(json, 'utf8'));
    }
    const text = Buffer.concat(messages).toString('latin1'); // one decode per batch; byte offsets are string offsets
    let start = 0;
    let accepted = 0;
    for (const bytes of messages) {
      const end = start + bytes.length;
      const decoded = decodeFeedbackEvent(text, start, end);
      const expected = oracle(bytes);
      const json = bytes.toString('utf8');
      expect(decoded !== undefined, json).toBe(expected.ok && isCanonical(json));
      if (decoded !== undefined) {
        accepted++;
        expect(decoded).toStrictEqual((expected as { value: unknown }).value);
      }
      // Two records at once are never one event.
      if (end < text.length) expect(decodeFeedbackEvent(text, start, text.length)).toBeUndefined();
      start = end;
    }
    expect(start).toBe(text.length);
    expect(accepted).toBeGreaterThan(250);
  });
});
