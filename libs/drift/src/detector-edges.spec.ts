import { describe, expect, it } from 'vitest';
import { driftIndices } from '../fixtures/river-example.runner';
import { ADWIN } from './adwin.detector';
import { CUSUM } from './cusum.detector';
import { DDM } from './ddm.detector';
import { DriftInputError } from './drift-input.error';
import { EDDM } from './eddm.detector';
import { HDDM_A } from './hddm-a.detector';
import { HDDM_W } from './hddm-w.detector';
import { KSWIN } from './kswin.detector';
import { PageHinkley } from './page-hinkley.detector';

// Edges of every detector's parameter domain and of DDM's warm start, each with an answer worked out by hand from the
// definitions (River's detectors; the bounds their docstrings state), not read back from the code. They pin what the
// behaviour specs leave open: which end of a bound is allowed, a relation between two parameters at equality, the
// refusal's full words, and that the update that fills DDM's warm start is not judged.

/** The refusal `make` throws: a `DriftInputError` with `DRIFT.INVALID_PARAMETER` and this exact message. */
function expectRefused(make: () => unknown, message: string): void {
  expect(make).toThrow(DriftInputError);
  expect(make).toThrow(expect.objectContaining({ code: 'DRIFT.INVALID_PARAMETER', message }));
}

describe('DDM: parameter edges', () => {
  it('a warning level equal to the drift level is allowed ("must not exceed"), one above it is refused in full words', () => {
    expect(new DDM({ warningThreshold: 3, driftThreshold: 3 }).warningThreshold).toBe(3);
    expectRefused(
      () => new DDM({ warningThreshold: 4 }),
      'DDM: warningThreshold (4) must not exceed driftThreshold (3), otherwise no warning can precede a drift.',
    );
    expectRefused(
      () => new DDM({ warningThreshold: 2.5, driftThreshold: 2 }),
      'DDM: warningThreshold (2.5) must not exceed driftThreshold (2), otherwise no warning can precede a drift.',
    );
  });

  it('the warning level is open at 0, the warm start closed at 0', () => {
    expectRefused(() => new DDM({ warningThreshold: 0 }), "DDM: parameter 'warningThreshold' must be a finite number > 0, got 0.");
    expectRefused(() => new DDM({ driftThreshold: 0 }), "DDM: parameter 'driftThreshold' must be a finite number > 0, got 0.");
    expectRefused(() => new DDM({ warmStart: -1 }), "DDM: parameter 'warmStart' must be an integer >= 0, got -1.");
    expect(new DDM({ warmStart: 0 }).warmStart).toBe(0);
    expect(new DDM({ warningThreshold: 0.001, driftThreshold: 0.002 }).warningThreshold).toBe(0.001);
  });
});

describe('DDM: the warm start', () => {
  // With warmStart = 1 only updates with n > 1 are judged.
  //  [0, 1]: n = 2 is the first judged update, p = 1/2, s = √(p(1 − p)/2) = √0.125 ≈ 0.354, so it is its own minimum
  //  (p_min + s_min = p + s) and p + s > p_min + w·s_min cannot hold: no flag. Had n = 1 been judged, (p, s) = (0, 0)
  //  would be the minimum and 0.854 > 0 + 3·0 a drift.
  //  [0, 0, 1]: n = 2 sets (p_min, s_min) = (0, 0); at n = 3, p = 1/3 and p + s ≈ 0.61 > 0: a drift at index 2.
  it('the update that fills the warm start is not judged: [0, 1] flags nothing, [0, 0, 1] drifts at index 2', () => {
    const first = new DDM({ warmStart: 1 });
    expect(driftIndices(first, [0, 1] as const)).toEqual([]);
    expect(first.warningDetected).toBe(false);
    expect(driftIndices(new DDM({ warmStart: 1 }), [0, 0, 1] as const)).toEqual([2]);
  });

  // warmStart = 0 judges from n = 1: the first bit is its own minimum, so nothing fires there either; a 0 then a 1
  // drifts at index 1 (p_min = s_min = 0 after the 0).
  it('warmStart 0 judges every update: [0, 1] drifts at index 1', () => {
    expect(driftIndices(new DDM({ warmStart: 0 }), [0, 1] as const)).toEqual([1]);
  });
});

describe('PageHinkley: parameter edges', () => {
  it('minInstances and delta are closed at 0, alpha is open at 0 and closed at 1, the threshold open at 0', () => {
    const edges = new PageHinkley({ minInstances: 0, delta: 0, alpha: 1 });
    expect([edges.minInstances, edges.delta, edges.alpha]).toEqual([0, 0, 1]);
    expectRefused(() => new PageHinkley({ minInstances: -1 }), "PageHinkley: parameter 'minInstances' must be an integer >= 0, got -1.");
    expectRefused(() => new PageHinkley({ delta: -0.5 }), "PageHinkley: parameter 'delta' must be a finite number >= 0, got -0.5.");
    expectRefused(() => new PageHinkley({ threshold: 0 }), "PageHinkley: parameter 'threshold' must be a finite number > 0, got 0.");
    expectRefused(() => new PageHinkley({ alpha: 0 }), "PageHinkley: parameter 'alpha' must be a finite number in (0, 1], got 0.");
    expectRefused(() => new PageHinkley({ alpha: 1.5 }), "PageHinkley: parameter 'alpha' must be a finite number in (0, 1], got 1.5.");
    expectRefused(
      () => new PageHinkley({ mode: 'sideways' as never }),
      `PageHinkley: parameter 'mode' must be one of "up", "down", "both", got "sideways".`,
    );
  });
});

describe('CUSUM, EDDM, HDDM_A, HDDM_W, ADWIN, KSWIN: parameter edges', () => {
  it('CUSUM: minInstances closed at 1, slack closed at 0, threshold open at 0', () => {
    const edges = new CUSUM({ minInstances: 1, slack: 0 });
    expect([edges.minInstances, edges.slack]).toEqual([1, 0]);
    expectRefused(() => new CUSUM({ minInstances: 0 }), "CUSUM: parameter 'minInstances' must be an integer >= 1, got 0.");
    expectRefused(() => new CUSUM({ slack: -0.25 }), "CUSUM: parameter 'slack' must be a finite number >= 0, got -0.25.");
    expectRefused(() => new CUSUM({ threshold: 0 }), "CUSUM: parameter 'threshold' must be a finite number > 0, got 0.");
  });

  it('EDDM: alpha and beta in (0, 1], alpha = beta allowed, alpha below beta refused in full words', () => {
    const edges = new EDDM({ warmStart: 0, alpha: 1, beta: 1 });
    expect([edges.warmStart, edges.alpha, edges.beta]).toEqual([0, 1, 1]);
    expectRefused(() => new EDDM({ warmStart: -1 }), "EDDM: parameter 'warmStart' must be an integer >= 0, got -1.");
    expectRefused(() => new EDDM({ alpha: 0 }), "EDDM: parameter 'alpha' must be a finite number in (0, 1], got 0.");
    expectRefused(() => new EDDM({ beta: 0 }), "EDDM: parameter 'beta' must be a finite number in (0, 1], got 0.");
    expectRefused(
      () => new EDDM({ alpha: 0.8, beta: 0.9 }),
      "EDDM: 'alpha' (0.8) must be greater or equal to 'beta' (0.9): the warning level must not be below the drift level.",
    );
  });

  it.each([
    ['HDDM_A', (p: Record<string, unknown>) => new HDDM_A(p as never)],
    ['HDDM_W', (p: Record<string, unknown>) => new HDDM_W(p as never)],
  ] as const)('%s: confidences in (0, 1), equal confidences allowed, a laxer drift test refused in full words', (name, make) => {
    expect(make({ driftConfidence: 0.01, warningConfidence: 0.01 }).driftConfidence).toBe(0.01);
    expectRefused(() => make({ driftConfidence: 0 }), `${name}: parameter 'driftConfidence' must be a finite number in (0, 1), got 0.`);
    expectRefused(() => make({ warningConfidence: 1 }), `${name}: parameter 'warningConfidence' must be a finite number in (0, 1), got 1.`);
    expectRefused(() => make({ twoSidedTest: 1 }), `${name}: parameter 'twoSidedTest' must be a boolean, got 1.`);
    expectRefused(
      () => make({ driftConfidence: 0.01 }),
      `${name}: driftConfidence (0.01) must not exceed warningConfidence (0.005): ` +
        'the drift test must be the stricter one, otherwise no warning can precede a drift.',
    );
  });

  it('HDDM_W: lambdaVal in (0, 1]', () => {
    expect(new HDDM_W({ lambdaVal: 1 }).lambdaVal).toBe(1);
    expectRefused(() => new HDDM_W({ lambdaVal: 0 }), "HDDM_W: parameter 'lambdaVal' must be a finite number in (0, 1], got 0.");
  });

  it('ADWIN: delta in (0, 1), clock, maxBuckets and minWindowLength closed at 1, gracePeriod closed at 0', () => {
    const edges = new ADWIN({ clock: 1, maxBuckets: 1, minWindowLength: 1, gracePeriod: 0 });
    expect([edges.clock, edges.maxBuckets, edges.minWindowLength, edges.gracePeriod]).toEqual([1, 1, 1, 0]);
    expectRefused(() => new ADWIN({ delta: 0 }), "ADWIN: parameter 'delta' must be a finite number in (0, 1), got 0.");
    expectRefused(() => new ADWIN({ delta: 1 }), "ADWIN: parameter 'delta' must be a finite number in (0, 1), got 1.");
    expectRefused(() => new ADWIN({ clock: 0 }), "ADWIN: parameter 'clock' must be an integer >= 1, got 0.");
    expectRefused(() => new ADWIN({ maxBuckets: 0 }), "ADWIN: parameter 'maxBuckets' must be an integer >= 1, got 0.");
    expectRefused(() => new ADWIN({ minWindowLength: 0 }), "ADWIN: parameter 'minWindowLength' must be an integer >= 1, got 0.");
    expectRefused(() => new ADWIN({ gracePeriod: -1 }), "ADWIN: parameter 'gracePeriod' must be an integer >= 0, got -1.");
  });

  it('KSWIN: alpha in [0, 1], statSize in [1, 10000], windowSize = 2 × statSize allowed, one less refused in full words', () => {
    const ends = [new KSWIN({ alpha: 0, seed: 1 }), new KSWIN({ alpha: 1, windowSize: 2, statSize: 1, seed: 1 })];
    expect(ends.map((k) => [k.alpha, k.windowSize, k.statSize])).toEqual([
      [0, 100, 30],
      [1, 2, 1],
    ]);
    expect(new KSWIN({ windowSize: 20_000, statSize: 10_000, seed: 1 }).statSize).toBe(10_000);
    expectRefused(() => new KSWIN({ alpha: 1.5 }), "KSWIN: parameter 'alpha' must be a finite number in [0, 1], got 1.5.");
    expectRefused(() => new KSWIN({ windowSize: 1 }), "KSWIN: parameter 'windowSize' must be an integer >= 2, got 1.");
    expectRefused(() => new KSWIN({ statSize: 0 }), "KSWIN: parameter 'statSize' must be an integer in [1, 10000], got 0.");
    expectRefused(
      () => new KSWIN({ windowSize: 20_002, statSize: 10_001 }),
      "KSWIN: parameter 'statSize' must be an integer in [1, 10000], got 10001.",
    );
    expectRefused(
      () => new KSWIN({ windowSize: 59, statSize: 30 }),
      'KSWIN: windowSize (59) must be at least 2 × statSize (30): the comparison sample of statSize values is drawn from ' +
        'the windowSize − statSize oldest positions. Increase windowSize or decrease statSize.',
    );
  });
});

describe('PageHinkley: a statistic equal to the threshold is not a drift (the test is U − m > λ, strict)', () => {
  // With δ = 0 and α = 1, U_t = U_{t−1} + x_t − x̄_t and L_t likewise. On [0, 2]: t = 1, x̄ = 0, U = L = 0, m = 0,
  // M = max(−1, 0) = 0; t = 2, x̄ = 1, U = L = 1, so U − m = 1 and M − L = 0. On [2, 0] the signs swap: U − m = 0 and
  // M − L = 1. Every quantity is exact in binary floating point, so λ = 1 sits exactly on the statistic.
  const exact = (mode: 'up' | 'down' | 'both', threshold: number) =>
    new PageHinkley({ minInstances: 1, delta: 0, alpha: 1, threshold, mode });

  it.each([
    ['up', [0, 2]],
    ['down', [2, 0]],
    ['both', [0, 2]],
    ['both', [2, 0]],
  ] as const)("mode '%s' on %j: no drift at λ = 1, a drift at the second value for λ = 0.5", (mode, stream) => {
    expect(driftIndices(exact(mode, 1), stream)).toEqual([]);
    expect(driftIndices(exact(mode, 0.5), stream)).toEqual([1]);
  });
});

describe('DDM: the serialised parameters are the ones it was built with', () => {
  it('toJSON carries non-default parameters, and fromJSON of it keeps them', () => {
    const params = { warmStart: 5, warningThreshold: 1.5, driftThreshold: 2.5 };
    expect(new DDM(params).toJSON().params).toEqual({ warmStart: 5, warningThreshold: 1.5, driftThreshold: 2.5 });
    const restored = DDM.fromJSON(JSON.parse(JSON.stringify(new DDM(params).toJSON())));
    expect([restored.warmStart, restored.warningThreshold, restored.driftThreshold]).toEqual([5, 1.5, 2.5]);
  });
});
