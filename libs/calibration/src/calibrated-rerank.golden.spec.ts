/**
 * `calibratedRerank`'s whole output pinned on seeded instances, so a change made for speed (issue #14: the greedy at
 * ≥ 4,000 users/s) cannot change a list, a tie-break or the last bit of a figure without this failing: the picks in
 * order, klBefore/klAfter, the objectives, the list source and the minority shares, compared exactly (numbers are
 * written in their shortest round-trip form, so equal text means equal bits).
 *
 * Instances: users of the benchmark's shape (C = 500, n = 20, G = 20, 1–3 equally weighted genres per item, scores on
 * a coarse grid so gains tie), and small random instances with ties, single-category items, a diversity prior and the
 * accuracy-list guard both on and off. The fixture was written by the code as of commit 7c02e3a (before any of the
 * issue-#14 work on the greedy); regenerate it only for a deliberate change of behaviour:
 *
 *   UPDATE_GOLDEN_RERANKS=1 npx vitest run --project unit libs/calibration/src/calibrated-rerank.golden.spec.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { calibratedRerank, type CalibratedRerankInput, type RerankCandidate } from './calibrated-rerank';
import { randomInstance, type InstanceShape } from './testing/random-instance';

const FIXTURE = join(__dirname, 'testing', 'golden-reranks.json');
const LAMBDAS = [0, 0.1, 0.5, 0.9, 1];

/** The benchmark's users (bench/greedy-throughput.ts), with scores rounded to 1/50 so that gains and scores tie. */
function benchShapedInputs(): { name: string; input: CalibratedRerankInput }[] {
  const random = mulberry32(1414);
  const genres = Array.from({ length: 20 }, (_, g) => `g${g}`);
  const genresOf = (): Record<string, number> => {
    const count = 1 + Math.floor(random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(genres[Math.floor(random() * genres.length)]);
    return Object.fromEntries([...chosen].map((g) => [g, 1 / chosen.size]));
  };
  return Array.from({ length: 24 }, (_, u) => {
    const candidates: RerankCandidate[] = Array.from({ length: 500 }, (_, i) => ({ id: `u${u}-i${i}`, score: Math.round(random() * 50) / 50, categories: genresOf() }));
    const weights = genres.map(() => (random() < 0.2 ? 0 : random() ** 3));
    const total = weights.reduce((a, b) => a + b, 0);
    const profile = Object.fromEntries(genres.flatMap((g, k) => (weights[k] > 0 ? [[g, weights[k] / total]] : [])));
    const lambda = u < LAMBDAS.length ? LAMBDAS[u] : random();
    return { name: `bench-${u}`, input: { candidates, profile, n: 20, lambda } };
  });
}

const SHAPES: InstanceShape[] = [
  { candidates: [2, 12], maxN: 6, categories: [2, 6], scoreDecimals: 1 },
  { candidates: [5, 40], maxN: 10, categories: [1, 6], scoreDecimals: 2 },
  { candidates: [5, 40], maxN: 10, categories: [2, 6], singleCategory: true, scoreDecimals: 1 },
  { candidates: [10, 60], maxN: 20, categories: [3, 6] },
];

function smallInputs(): { name: string; input: CalibratedRerankInput }[] {
  const random = mulberry32(1415);
  return Array.from({ length: 400 }, (_, k) => {
    const { candidates, profile, n } = randomInstance(random, SHAPES[k % SHAPES.length]);
    const lambda = random() < 0.5 ? LAMBDAS[Math.floor(random() * LAMBDAS.length)] : random();
    const input: CalibratedRerankInput = {
      candidates,
      profile,
      n,
      lambda,
      alpha: random() < 0.8 ? undefined : 0.001 + 0.5 * random(),
      prior: random() < 0.25 ? { weight: random(), distribution: { Action: 0.5, Drama: 0.25, Romance: 0.25 } } : undefined,
      fallbackToAccuracyList: random() < 0.7,
    };
    return { name: `small-${k}`, input };
  });
}

/** One instance's outcome as text: candidate indices in pick order, then every figure in shortest round-trip form. */
function outcome(input: CalibratedRerankInput): string {
  const result = calibratedRerank(input);
  const index = new Map(input.candidates.map((candidate, i) => [candidate.id, i]));
  return [
    result.items.map((id) => index.get(id)).join(','),
    result.listSource,
    result.klBefore,
    result.klAfter,
    result.objective.before,
    result.objective.after,
    result.relevance.before,
    result.relevance.after,
    result.minorityShare.listShare,
    result.minorityShare.listShareBefore,
  ]
    .map(String)
    .join(' ');
}

describe('calibratedRerank, pinned outputs', () => {
  const instances = [...benchShapedInputs(), ...smallInputs()];
  const actual = Object.fromEntries(instances.map(({ name, input }) => [name, outcome(input)]));
  if (process.env.UPDATE_GOLDEN_RERANKS === '1') writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 1)}\n`);
  const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;

  it('covers the same instances as the fixture', () => {
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
  });

  it.each(instances.map(({ name }) => name))('%s: the same picks, in the same order, and the same figures to the bit', (name) => {
    expect(actual[name]).toBe(expected[name]);
  });

  it('the fixture is not degenerate: both list sources occur, and no two instances share an outcome', () => {
    const sources = Object.values(expected).map((line) => line.split(' ')[1]);
    expect(sources).toContain('greedy');
    expect(sources).toContain('accuracy-list');
    expect(new Set(Object.values(expected)).size).toBe(instances.length);
  });
});
