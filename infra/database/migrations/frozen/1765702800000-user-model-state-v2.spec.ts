import { decodeUserModelState, encodeUserModelState, type UserModelState } from '@chorus/scoring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDedupeWindow } from '../../../../services/learner/src/persistence/dedupe-window.codec';
import { learnedUserModelStates } from '../../../../test/support/learned-user-model-states';
import { decodeUserModelStateV2, encodeDedupeWindowV1, encodeUserModelStateV2, type UserModelStateV1 } from './1765702800000-user-model-state-v2';

/**
 * The migration's frozen copy against the live codec (libs/scoring/src/user-model-codec.ts), an independent writing of
 * the same layout: what the migration wrote must read the same through the live codec (`up`), and what the live
 * learner writes must read the same through the copy (`down` meets rows the learner wrote since).
 */

// Any string JSON and PostgreSQL keep (whole code points, no NUL), "__proto__" among them (it must stay a key).
const name = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000')), fc.constantFrom('__proto__', 'cat:horror', ''));
const number = fc.double({ noNaN: true, noDefaultInfinity: true });
const posterior = fc.dictionary(name, fc.tuple(number, number), { maxKeys: 5 });
const persona = fc.record({ id: fc.integer(), mass: number, share: number, weights: posterior }, { requiredKeys: ['id', 'mass', 'share'] });
const condition = fc.constantFrom('', 'short', 'long\u0001framed', 'ü');
const state: fc.Arbitrary<UserModelStateV1> = fc.record(
  {
    weights: posterior,
    tau2: number,
    personas: fc.record(
      {
        personas: fc.array(persona, { minLength: 1, maxLength: 3 }),
        shadow: fc.array(persona, { maxLength: 3 }),
        evidence: number,
        eventsSeen: fc.nat(),
        nextId: fc.nat(),
        decisions: fc.array(fc.record({ kind: fc.constantFrom('split', 'merge'), at: fc.nat(), ids: fc.array(fc.nat(), { maxLength: 3 }) }), { maxLength: 3 }),
      },
      { requiredKeys: ['personas', 'evidence', 'eventsSeen', 'nextId', 'decisions'] },
    ),
    borrowing: fc.record(
      { donor: fc.record({ userId: name, means: fc.dictionary(name, number, { maxKeys: 4 }) }), evidence: fc.record({ n: number, mean: number, m2: number }) },
      { requiredKeys: ['evidence'] },
    ),
    reliability: fc.record(
      {
        counts: fc.array(number, { minLength: 6, maxLength: 6 }),
        logLikelihood: fc.array(number, { minLength: 3, maxLength: 3 }),
        signals: fc.dictionary(name, fc.tuple(fc.array(fc.tuple(condition, number, number, number, number, number, number), { maxLength: 3 }), fc.array(number, { minLength: 3, maxLength: 3 })), { maxKeys: 3 }),
        items: fc.record({
          counts: fc.array(number, { minLength: 2, maxLength: 2 }),
          logLikelihood: fc.array(number, { minLength: 3, maxLength: 3 }),
          signals: fc.dictionary(name, fc.array(fc.tuple(condition, number, number), { maxLength: 3 }), { maxKeys: 3 }),
        }),
      },
      { requiredKeys: ['counts', 'logLikelihood', 'signals'] },
    ),
    conditions: fc.record({ priorVariance: number, conditions: fc.dictionary(name, posterior, { maxKeys: 3 }), split: fc.tuple(number, number) }, { requiredKeys: ['priorVariance', 'conditions'] }),
  },
  { requiredKeys: ['weights'] },
);

// Plain JSON values, as the migration reads them from jsonb (what toEqual compares is the document, not prototypes).
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('migration UserModelStateBinary’s frozen version-2 encoding', () => {
  it('writes bytes the live codec reads to the same state (real learned states: every part)', () => {
    for (const learned of learnedUserModelStates()) {
      expect(decodeUserModelState(encodeUserModelStateV2(learned as UserModelStateV1))).toEqual(learned);
    }
  });

  it('writes bytes the live codec reads to the same state (any state)', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(asJson(decodeUserModelState(encodeUserModelStateV2(s)))).toEqual(asJson(s));
      }),
    );
  });

  it('reads back what the live codec writes, and what it wrote itself (down)', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(asJson(decodeUserModelStateV2(encodeUserModelState(s as UserModelState)))).toEqual(asJson(s));
        expect(asJson(decodeUserModelStateV2(encodeUserModelStateV2(s)))).toEqual(asJson(s));
      }),
    );
  });

  it('keeps "__proto__" an ordinary key when it reads', () => {
    const s = asJson({ weights: { ['__proto__']: [1, 2] } });
    expect(Object.keys(decodeUserModelStateV2(encodeUserModelStateV2(s)).weights)).toEqual(['__proto__']);
  });

  it('skips a section of a later learner’s tag, as version-2 readers do', () => {
    const [learned] = learnedUserModelStates();
    const later = Buffer.concat([encodeUserModelState(learned!), Buffer.from([99, 3, 0, 0, 0, 7, 7, 7])]);
    expect(asJson(decodeUserModelStateV2(later))).toEqual(learned);
  });

  it('refuses bytes that are not version 2, or cut short, naming what is wrong', () => {
    const bytes = encodeUserModelStateV2({ weights: { a: [1, 2] } });
    expect(() => decodeUserModelStateV2(Buffer.from('{"weights":{}}'))).toThrow(/version 123.*converts version 2/);
    expect(() => decodeUserModelStateV2(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated .*corrupt bytes/);
    expect(() => decodeUserModelStateV2(Buffer.from([2, 2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/no weights section/);
  });

  it('writes dedupe windows the live decoder reads to the same keys (any 53-bit keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat(), { maxLength: 20 }), (keys) => {
        expect(decodeDedupeWindow(encodeDedupeWindowV1(keys))).toEqual(keys);
      }),
    );
  });
});
