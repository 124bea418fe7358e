import { mulberry32 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { calibratedRerank, type RerankCandidate } from './calibrated-rerank';
import { CalibrationInputError } from './calibration-input.error';
import { batchKl, batchObjective, topNByScore } from './testing/brute-force-rerank';
import { randomInstance } from './testing/random-instance';

/** Float comparisons: results are sums of a few dozen logs, so 1e-12 absolute is ample. */
const DIGITS = 12;

const byId = (candidates: readonly RerankCandidate[], ids: readonly string[]): RerankCandidate[] =>
  ids.map((id) => candidates.find((candidate) => candidate.id === id)!);

/** 25 drama items scored 0.6–1, 10 documentaries 0.3–0.7, 5 half-and-half items 0.3–0.7; seeded. */
function seventyThirtyCatalogue(): RerankCandidate[] {
  const random = mulberry32(2018);
  return Array.from({ length: 40 }, (_, i): RerankCandidate => ({
    id: `m${String(i).padStart(2, '0')}`,
    score: Math.round((i < 25 ? 0.6 + 0.4 * random() : 0.3 + 0.4 * random()) * 1000) / 1000,
    categories: i < 25 ? { Drama: 1 } : i < 35 ? { Documentary: 1 } : { Drama: 0.5, Documentary: 0.5 },
  }));
}
const SEVENTY_THIRTY = { Drama: 0.7, Documentary: 0.3 };

describe('calibratedRerank', () => {
  it('the TSDoc example: λ = 0 ranks by score, λ = 0.5 brings in the documentary', () => {
    const candidates: RerankCandidate[] = [
      { id: 'd1', score: 0.9, categories: { Drama: 1 } },
      { id: 'd2', score: 0.8, categories: { Drama: 1 } },
      { id: 'd3', score: 0.7, categories: { Drama: 1 } },
      { id: 'doc1', score: 0.5, categories: { Documentary: 1 } },
    ];
    const profile = { Drama: 0.7, Documentary: 0.3 };
    expect(calibratedRerank({ candidates, profile, n: 3, lambda: 0 }).items).toEqual(['d1', 'd2', 'd3']);
    expect(calibratedRerank({ candidates, profile, n: 3, lambda: 0.5 }).items).toEqual(['d1', 'doc1', 'd2']);
  });

  it('seeded regression: a 70/30 user over a λ sweep (exact lists and KLs)', () => {
    const candidates = seventyThirtyCatalogue();
    const run = (lambda: number) => calibratedRerank({ candidates, profile: SEVENTY_THIRTY, n: 10, lambda });
    const accuracy = run(0);
    expect(accuracy.items).toEqual(['m19', 'm03', 'm05', 'm16', 'm09', 'm04', 'm18', 'm14', 'm13', 'm10']);
    expect(accuracy.klBefore).toBeCloseTo(0.7 * Math.log(0.7 / 0.997) + 0.3 * Math.log(0.3 / 0.003), DIGITS);
    expect(accuracy.klAfter).toBe(accuracy.klBefore);

    const half = run(0.5);
    expect(half.items).toEqual(['m35', 'm19', 'm03', 'm05', 'm16', 'm09', 'm04', 'm18', 'm14', 'm13']);
    expect(half.klAfter).toBeCloseTo(0.310_968_170_178, DIGITS);

    const strong = run(0.9);
    expect(strong.items).toEqual(['m35', 'm19', 'm03', 'm26', 'm05', 'm16', 'm09', 'm25', 'm04', 'm18']);
    expect(strong.klAfter).toBeCloseTo(0.006_268_878_490, DIGITS);
    expect(strong.relevanceRetained).toBeCloseTo(0.915_241_868_224, DIGITS);

    // λ = 0.99: exactly 70/30 (three documentaries' worth of mass), at 78% of the relevance.
    const calibrationOnly = run(0.99);
    expect(calibrationOnly.items).toEqual(['m35', 'm19', 'm39', 'm03', 'm37', 'm05', 'm38', 'm16', 'm26', 'm09']);
    expect(calibrationOnly.klAfter).toBeCloseTo(0, DIGITS);
    expect(calibrationOnly.relevanceRetained).toBeCloseTo(0.783_256_880_734, DIGITS);
  });

  it('λ = 0 returns exactly the top n by score, ties broken by id, on seeded random instances', () => {
    const random = mulberry32(1);
    for (let trial = 0; trial < 200; trial++) {
      // Scores with one decimal: plenty of ties.
      const { candidates, profile, n } = randomInstance(random, { candidates: [1, 12], maxN: 12, categories: [1, 5], scoreDecimals: 1 });
      const result = calibratedRerank({ candidates, profile, n, lambda: 0 });
      expect(result.items).toEqual(topNByScore(candidates, n).map((item) => item.id));
      expect(result.klAfter).toBe(result.klBefore);
      expect(result.relevanceRetained).toBe(result.relevance.before > 0 ? 1 : null);
      expect(result.listSource).toBe('greedy');
    }
  });

  it('klBefore, klAfter, objectives and relevance match a direct batch computation', () => {
    const random = mulberry32(2);
    for (let trial = 0; trial < 200; trial++) {
      const { candidates, profile, n } = randomInstance(random, { candidates: [1, 15], maxN: 8, categories: [1, 6] });
      const lambda = random();
      const alpha = 0.001 + 0.5 * random();
      const result = calibratedRerank({ candidates, profile, n, lambda, alpha });
      const accuracyList = topNByScore(candidates, n);
      const returned = byId(candidates, result.items);
      expect(new Set(result.items).size).toBe(n);
      expect(result.klBefore).toBeCloseTo(batchKl(profile, accuracyList, alpha), DIGITS);
      expect(result.klAfter).toBeCloseTo(batchKl(profile, returned, alpha), DIGITS);
      expect(result.objective.before).toBeCloseTo(batchObjective(profile, accuracyList, lambda, alpha), DIGITS);
      expect(result.objective.after).toBeCloseTo(batchObjective(profile, returned, lambda, alpha), DIGITS);
      const relevance = (list: RerankCandidate[]) => list.reduce((sum, item) => sum + item.score, 0);
      expect(result.relevance.before).toBeCloseTo(relevance(accuracyList), DIGITS);
      expect(result.relevance.after).toBeCloseTo(relevance(returned), DIGITS);
      expect(result.relevanceRetained).toBeCloseTo(relevance(returned) / relevance(accuracyList), DIGITS);
    }
  });

  it('reports the minority-interest share: categories under 20% of the profile, list vs profile', () => {
    const candidates: RerankCandidate[] = [
      { id: 'a1', score: 0.9, categories: { A: 1 } },
      { id: 'a2', score: 0.8, categories: { A: 1 } },
      { id: 'a3', score: 0.7, categories: { A: 1 } },
      { id: 'a4', score: 0.6, categories: { A: 1 } },
      { id: 'b1', score: 0.3, categories: { B: 0.5, C: 0.5 } },
      { id: 'c1', score: 0.2, categories: { C: 1 } },
    ];
    const profile = { A: 0.7, B: 0.1, C: 0.15, D: 0.05, E: 0 };
    const result = calibratedRerank({ candidates, profile, n: 4, lambda: 0.9 });
    expect(result.minorityShare.categories).toEqual(['B', 'C', 'D']);
    expect(result.minorityShare.profileShare).toBeCloseTo(0.3, DIGITS);
    expect(result.minorityShare.listShareBefore).toBe(0); // a1 a2 a3 a4
    const minorityMass = byId(candidates, result.items).reduce((sum, item) => sum + 1 - (item.categories.A ?? 0), 0);
    expect(result.minorityShare.listShare).toBeCloseTo(minorityMass / 4, DIGITS);
    expect(result.minorityShare.listShare).toBeGreaterThan(result.minorityShare.listShareBefore);
    expect(calibratedRerank({ candidates, profile, n: 4, lambda: 0.9, minorityThreshold: 0.12 }).minorityShare.categories).toEqual(['B', 'D']);
  });

  it('measures the minority share from the items also when a prior leaves minority categories out of the target', () => {
    const candidates: RerankCandidate[] = [
      { id: 'a1', score: 0.9, categories: { A: 1 } },
      { id: 'b1', score: 0.8, categories: { A: 0.25, B: 0.75 } },
      { id: 'c1', score: 0.7, categories: { C: 1 } },
    ];
    // β = 1: the target is the prior {A: 1}; the profile's minority categories B and C are not in it.
    const result = calibratedRerank({ candidates, profile: { A: 0.8, B: 0.1, C: 0.1 }, n: 2, lambda: 0.5, prior: { weight: 1, distribution: { A: 1 } } });
    expect(result.minorityShare.categories).toEqual(['B', 'C']);
    const minorityMass = byId(candidates, result.items).reduce((sum, item) => sum + (item.categories.B ?? 0) + (item.categories.C ?? 0), 0);
    expect(result.minorityShare.listShare).toBeCloseTo(minorityMass / 2, DIGITS);
    expect(result.minorityShare.listShareBefore).toBeCloseTo(0.75 / 2, DIGITS); // a1 b1
  });

  it('a re-entrant call (a getter on a candidate that reranks) leaves the outer call’s result unchanged', () => {
    const { candidates, profile } = randomInstance(mulberry32(5), { candidates: [30, 30], maxN: 8, categories: [4, 4] });
    // n = C: every candidate's score enters relevance.before, so an overwritten score would show.
    const n = candidates.length;
    const plain = calibratedRerank({ candidates, profile, n, lambda: 0.7 });
    const reentrant = candidates.map((item, i) =>
      i === 20
        ? {
            id: item.id,
            categories: item.categories,
            get score() {
              calibratedRerank({ candidates: candidates.slice(10), profile, n: 5, lambda: 0.2 });
              return item.score;
            },
          }
        : item,
    );
    expect(calibratedRerank({ candidates: reentrant, profile, n, lambda: 0.7 })).toEqual(plain);
  });

  it('returns items in the order the greedy picked them, and is invariant to the key order of category objects', () => {
    const random = mulberry32(3);
    for (let trial = 0; trial < 50; trial++) {
      const { candidates, profile, n } = randomInstance(random, { candidates: [2, 10], maxN: 5, categories: [2, 5] });
      const reversed = candidates.map((item) => ({ ...item, categories: Object.fromEntries(Object.entries(item.categories).reverse()) }));
      const lambda = random();
      expect(calibratedRerank({ candidates: reversed, profile, n, lambda }).items).toEqual(
        calibratedRerank({ candidates, profile, n, lambda }).items,
      );
    }
  });

  it('breaks exact ties deterministically: same gain → higher score → smaller id', () => {
    const same = { A: 0.5, B: 0.5 };
    const candidates: RerankCandidate[] = [
      { id: 'b', score: 0.5, categories: same },
      { id: 'a', score: 0.5, categories: same },
      { id: 'c', score: 0.6, categories: same },
    ];
    expect(calibratedRerank({ candidates, profile: same, n: 3, lambda: 1 }).items).toEqual(['c', 'a', 'b']);
  });

  it('uses scores as given: negative scores are accepted and relevanceRetained is null when the top n sum ≤ 0', () => {
    const candidates: RerankCandidate[] = [
      { id: 'p', score: -1, categories: { A: 1 } },
      { id: 'q', score: -2, categories: { B: 1 } },
      { id: 'r', score: 3, categories: { B: 1 } },
    ];
    const negative = calibratedRerank({ candidates, profile: { A: 0.5, B: 0.5 }, n: 2, lambda: 0 });
    expect(negative.items).toEqual(['r', 'p']);
    expect(negative.relevanceRetained).toBe(1);
    expect(calibratedRerank({ candidates: candidates.slice(0, 2), profile: { A: 1 }, n: 1, lambda: 0.5 }).relevanceRetained).toBeNull();
    // Scores on a 0–100 scale are not rescaled: the same λ now weighs calibration far less.
    const scaled = candidates.map((item) => ({ ...item, score: item.score * 100 }));
    expect(calibratedRerank({ candidates: scaled, profile: { A: 0.5, B: 0.5 }, n: 2, lambda: 0.5 }).relevance.after).toBe(200);
  });

  it('renormalises item distributions that sum to 1 within 1e-6 and ignores categories outside the profile', () => {
    const candidates: RerankCandidate[] = [
      { id: 'x', score: 0.5, categories: { A: 0.5000004, Z: 0.5 } },
      { id: 'y', score: 0.4, categories: { A: 1 } },
    ];
    const result = calibratedRerank({ candidates, profile: { A: 1 }, n: 1, lambda: 1 });
    expect(result.items).toEqual(['y']);
    expect(result.klBefore).toBeCloseTo(-Math.log(0.99 * (0.5000004 / 1.0000004) + 0.01), DIGITS);
  });
});

describe('calibratedRerank α', () => {
  it('defaults to 0.01 and enters the KL as q̃ = (1−α)q + αp', () => {
    const candidates: RerankCandidate[] = [
      { id: 'a', score: 1, categories: { A: 1 } },
      { id: 'b', score: 0.5, categories: { B: 1 } },
    ];
    const profile = { A: 0.6, B: 0.4 };
    const byDefault = calibratedRerank({ candidates, profile, n: 1, lambda: 0 });
    expect(calibratedRerank({ candidates, profile, n: 1, lambda: 0, alpha: 0.01 })).toEqual(byDefault);
    for (const alpha of [0.001, 0.01, 0.1, 0.9]) {
      const result = calibratedRerank({ candidates, profile, n: 1, lambda: 0, alpha });
      expect(result.klBefore).toBeCloseTo(0.6 * Math.log(0.6 / ((1 - alpha) + alpha * 0.6)) + 0.4 * Math.log(1 / alpha), DIGITS);
    }
  });

  it('a larger α caps the penalty of a missing category at −ln α, so calibration pulls less', () => {
    // One pure-A item worth 1, one pure-B item worth 0.2, profile all B. Picking A costs λ·(−ln α) in KL.
    const candidates: RerankCandidate[] = [
      { id: 'a', score: 1, categories: { A: 1 } },
      { id: 'b', score: 0.2, categories: { B: 1 } },
    ];
    const rerank = (alpha: number) => calibratedRerank({ candidates, profile: { B: 1 }, n: 1, lambda: 0.2, alpha }).items;
    expect(rerank(0.01)).toEqual(['b']); // 0.8·0.2 = 0.16 > 0.8·1 − 0.2·ln(100) = −0.12
    expect(rerank(0.5)).toEqual(['a']); // 0.8·1 − 0.2·ln 2 = 0.66 > 0.16
  });
});

describe('calibratedRerank prior', () => {
  const candidates: RerankCandidate[] = [
    { id: 'a1', score: 0.9, categories: { A: 1 } },
    { id: 'a2', score: 0.8, categories: { A: 1 } },
    { id: 'b1', score: 0.5, categories: { B: 1 } },
    { id: 'c1', score: 0.4, categories: { C: 1 } },
  ];
  const profile = { A: 1 };

  it('β = 0 is the same as no prior', () => {
    const plain = calibratedRerank({ candidates, profile, n: 2, lambda: 0.9 });
    expect(calibratedRerank({ candidates, profile, n: 2, lambda: 0.9, prior: { weight: 0, distribution: { B: 1 } } })).toEqual(plain);
    expect(plain.items).toEqual(['a1', 'a2']);
  });

  it('replaces p by β·p₀ + (1−β)·p everywhere: target, KLs and the greedy', () => {
    const prior = { weight: 0.5, distribution: { B: 0.5, C: 0.5 } };
    const result = calibratedRerank({ candidates, profile, n: 2, lambda: 0.9, prior });
    const target = { A: 0.5, B: 0.25, C: 0.25 };
    expect(result.target).toEqual(target);
    expect(result.klBefore).toBeCloseTo(batchKl(target, byId(candidates, ['a1', 'a2']), 0.01), DIGITS);
    expect(result.klAfter).toBeCloseTo(batchKl(target, byId(candidates, result.items), 0.01), DIGITS);
    expect(result.items).toEqual(['a1', 'b1']);
    // Minority interests stay the user's own: nothing in p is below 20%.
    expect(result.minorityShare.categories).toEqual([]);
  });

  it('β = 1 calibrates to p₀ alone', () => {
    const result = calibratedRerank({ candidates, profile, n: 2, lambda: 1, prior: { weight: 1, distribution: { B: 0.5, C: 0.5 } } });
    expect(result.target).toEqual({ B: 0.5, C: 0.5 });
    expect(result.items).toEqual(['b1', 'c1']);
    expect(result.klAfter).toBeCloseTo(0, DIGITS);
  });
});

describe('calibratedRerank validation', () => {
  const candidates: RerankCandidate[] = [
    { id: 'a', score: 0.9, categories: { A: 1 } },
    { id: 'b', score: 0.5, categories: { B: 1 } },
  ];
  const valid = { candidates, profile: { A: 0.5, B: 0.5 }, n: 1, lambda: 0.5 };
  const rejects = (patch: Record<string, unknown>, message: RegExp) => {
    const call = () => calibratedRerank({ ...valid, ...patch } as never);
    expect(call).toThrow(CalibrationInputError);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  };

  it('n: an integer in [1, candidates.length]', () => {
    rejects({ n: 3 }, /n must be an integer between 1 and candidates\.length \(2\); got 3\. Ask for at most/);
    rejects({ n: 0 }, /got 0/);
    rejects({ n: 1.5 }, /got 1\.5/);
    rejects({ n: NaN }, /got NaN/);
    rejects({ n: '1' }, /got "1"/);
  });

  it('lambda in [0, 1], alpha in (0, 1), minorityThreshold in (0, 1]', () => {
    rejects({ lambda: -0.1 }, /lambda must be a number in \[0, 1\] \(0 = rank by score only, 1 = calibration only\); got -0\.1/);
    rejects({ lambda: 1.01 }, /lambda/);
    rejects({ lambda: NaN }, /lambda .* got NaN/);
    rejects({ alpha: 0 }, /alpha must be a number in the open interval \(0, 1\).*Steck uses 0\.01/);
    rejects({ alpha: 1 }, /alpha/);
    rejects({ alpha: NaN }, /alpha .* Got NaN/);
    rejects({ minorityThreshold: 0 }, /minorityThreshold must be a number in \(0, 1\]/);
  });

  it('candidates: non-empty, unique non-empty ids, finite scores, categories that are distributions', () => {
    rejects({ candidates: [] }, /candidates must be a non-empty array .* got an empty array/);
    rejects({ candidates: 'x' }, /candidates must be a non-empty array/);
    rejects({ candidates: [candidates[0], null] }, /candidates\[1\] must be an object/);
    rejects({ candidates: [{ ...candidates[0], id: '' }] }, /candidates\[0\]\.id must be a non-empty string/);
    rejects({ candidates: [candidates[0], { ...candidates[1], id: 'a' }] }, /candidates\[1\] \(id "a"\) repeats the id of candidates\[0\]; ids must be unique/);
    rejects({ candidates: [{ ...candidates[0], score: NaN }] }, /candidates\[0\] \(id "a"\): score must be a finite number; got NaN/);
    rejects({ candidates: [{ ...candidates[0], score: Infinity }] }, /got Infinity/);
    rejects(
      { candidates: [candidates[0], { ...candidates[1], categories: { B: 0.5, C: 0.3 } }] },
      /candidates\[1\] \(id "b"\) categories must sum to 1 \(±0\.000001\); it sums to 0\.8\. Normalise the weights/,
    );
    rejects({ candidates: [{ ...candidates[0], categories: { A: 1.5, B: -0.5 } }] }, /category "B" has weight -0\.5; weights must be finite numbers ≥ 0/);
    rejects({ candidates: [{ ...candidates[0], categories: { A: NaN } }] }, /category "A" has weight NaN/);
    rejects({ candidates: [{ ...candidates[0], categories: {} }] }, /sums to 0/);
    rejects({ candidates: [{ ...candidates[0], categories: null }] }, /categories must be an object mapping category → probability/);
  });

  it('profile and prior: distributions; β in [0, 1]', () => {
    rejects({ profile: { A: 0.5, B: 0.4 } }, /profile must sum to 1 .* sums to 0\.9/);
    rejects({ profile: { A: 1, B: NaN } }, /profile: category "B" has weight NaN/);
    rejects({ profile: undefined }, /profile must be an object/);
    rejects({ prior: { weight: 1.5, distribution: { A: 1 } } }, /prior\.weight \(β\) must be a number in \[0, 1\].*got 1\.5/);
    rejects({ prior: { weight: 0.5, distribution: { A: 2 } } }, /prior\.distribution must sum to 1/);
    rejects({ prior: 'uniform' }, /prior must be \{ weight: β in \[0, 1\], distribution: p₀ \} or omitted/);
  });

  it('rejects a missing input object', () => {
    expect(() => calibratedRerank(undefined as never)).toThrow(/calibratedRerank expects an object/);
  });
});
