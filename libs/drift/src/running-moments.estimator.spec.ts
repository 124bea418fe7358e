import { describe, expect, it } from 'vitest';
import { PythonRandom } from './python-random.generator';
import { FadingMean, RunningMean, RunningVariance } from './running-moments.estimator';

// Oracle tests: the streaming value equals the batch formula (relative tolerance 1e-12), plus River's own docstring
// outputs for stats.Mean / stats.Var / stats.EWMean.

const rng = new PythonRandom(2024);
const values = Array.from({ length: 1000 }, () => rng.gauss(10, 3));
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('RunningMean (River stats.Mean)', () => {
  it('River docstring: -5, -3, -1, 1, 3, 5 → -5, -4, -3, -2, -1, 0', () => {
    const mean = new RunningMean();
    expect([-5, -3, -1, 1, 3, 5].map((x) => mean.update(x).get())).toEqual([-5, -4, -3, -2, -1, 0]);
  });

  it('equals the batch mean', () => {
    const mean = new RunningMean();
    values.forEach((x) => mean.update(x));
    expect(relErr(mean.get(), values.reduce((a, b) => a + b, 0) / values.length)).toBeLessThan(1e-12);
    expect(mean.n).toBe(1000);
  });

  it('n = 0 gives 0; clone is independent', () => {
    const mean = new RunningMean();
    expect(mean.get()).toBe(0);
    mean.update(4);
    const copy = mean.clone();
    mean.update(8);
    expect([copy.get(), copy.n, mean.get(), mean.n]).toEqual([4, 1, 6, 2]);
  });
});

describe('RunningVariance (River stats.Var, ddof = 1)', () => {
  it('River docstring: 3, 5, 4, 7, 10, 12 → 0, 2, 1, 2.916666…, 7.7, 12.56666…', () => {
    const v = new RunningVariance();
    const got = [3, 5, 4, 7, 10, 12].map((x) => v.update(x).get());
    [0, 2, 1, 2.9166666666666665, 7.7, 12.566666666666666].forEach((e, i) => expect(got[i]).toBeCloseTo(e, 12));
  });

  it('equals the batch sample variance; 0 until n > ddof', () => {
    const v = new RunningVariance();
    expect(v.update(1).get()).toBe(0);
    const w = new RunningVariance();
    values.forEach((x) => w.update(x));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const batch = values.reduce((a, x) => a + (x - mean) ** 2, 0) / (values.length - 1);
    expect(relErr(w.get(), batch)).toBeLessThan(1e-12);
  });
});

describe('FadingMean (River stats.EWMean)', () => {
  it('River docstring (fading_factor 0.5): 1, 3, 5, 4, 6, 8, 7, 9, 11', () => {
    const ewm = new FadingMean(0.5);
    expect([1, 3, 5, 4, 6, 8, 7, 9, 11].map((x) => ewm.update(x).get())).toEqual([
      1, 2, 3.5, 3.75, 4.875, 6.4375, 6.71875, 7.859375, 9.4296875,
    ]);
  });

  it("keeps River's quirk: while the mean is exactly 0 the next value replaces it", () => {
    const ewm = new FadingMean(0.05);
    expect([0, 0, 1, 0].map((x) => ewm.update(x).get())).toEqual([0, 0, 1, 0.95]);
  });

  it('equals the batch recurrence after the first non-zero value', () => {
    const ewm = new FadingMean(0.1);
    values.forEach((x) => ewm.update(x));
    let batch = values[0] as number;
    for (const x of values.slice(1)) batch = 0.1 * x + 0.9 * batch;
    expect(ewm.get()).toBe(batch);
  });
});
