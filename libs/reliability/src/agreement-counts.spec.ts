import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossConditionAgreement, retestAgreement } from './agreement-counts';
import { countCyclicTriads } from './intransitive-cycles';

/** Judgments as (condition, outcome) and every unordered pair of them compared directly. */
function byEnumeration(judgments: readonly (readonly [number, number])[]) {
  let sameAgree = 0;
  let same = 0;
  let crossAgree = 0;
  let cross = 0;
  for (let i = 0; i < judgments.length; i++) {
    for (let j = i + 1; j < judgments.length; j++) {
      const agree = judgments[i]![1] === judgments[j]![1] ? 1 : 0;
      if (judgments[i]![0] === judgments[j]![0]) (same++, (sameAgree += agree));
      else (cross++, (crossAgree += agree));
    }
  }
  return { retest: { agreeing: sameAgree, compared: same }, across: { agreeing: crossAgree, compared: cross } };
}

const counts = (judgments: readonly (readonly [number, number])[]) => {
  const byCondition = new Map<number, { n: number; a: number }>();
  for (const [condition, outcome] of judgments) {
    const c = byCondition.get(condition) ?? { n: 0, a: 0 };
    byCondition.set(condition, { n: c.n + 1, a: c.a + outcome });
  }
  return [...byCondition.values()];
};

describe('agreement from counts', () => {
  it('equals comparing every pair of judgments (same condition: retest; different: across conditions)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 1)), { maxLength: 25 }), (judgments) => {
        const oracle = byEnumeration(judgments);
        expect(retestAgreement(counts(judgments))).toEqual(oracle.retest);
        expect(crossConditionAgreement(counts(judgments))).toEqual(oracle.across);
      }),
    );
  });
});

describe('countCyclicTriads', () => {
  it('equals checking every triple of items', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.boolean()), { maxLength: 40 }), (_, raw) => {
        const direction = new Map<string, boolean>(); // "i|j" with i < j → i beats j
        for (const [x, y, forward] of raw) if (x !== y) direction.set(`${Math.min(x, y)}|${Math.max(x, y)}`, forward);
        const edges = [...direction].map(([key, forward]) => {
          const [i, j] = key.split('|');
          return (forward ? [`i${i}`, `i${j}`] : [`i${j}`, `i${i}`]) as [string, string];
        });
        let triads = 0;
        let cycles = 0;
        for (let i = 0; i < 8; i++)
          for (let j = i + 1; j < 8; j++)
            for (let k = j + 1; k < 8; k++) {
              const ij = direction.get(`${i}|${j}`);
              const jk = direction.get(`${j}|${k}`);
              const ik = direction.get(`${i}|${k}`);
              if (ij === undefined || jk === undefined || ik === undefined) continue;
              triads++;
              // i→j→k→i or the reverse: i beats j, j beats k, k beats i (ik false).
              if ((ij && jk && !ik) || (!ij && !jk && ik)) cycles++;
            }
        expect(countCyclicTriads(edges)).toEqual({ triads, cycles });
      }),
    );
  });
});
