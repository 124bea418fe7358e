import { describe, expect, it } from 'vitest';
import { driftIndices } from '../fixtures/river-example.runner';
import { DDM } from './ddm.detector';
import { DriftInputError } from './drift-input.error';
import { PageHinkley } from './page-hinkley.detector';

// Edges of DDM's and Page–Hinkley's parameter domains and of DDM's warm start, each with an answer worked out by hand
// from the definitions (River's `drift.binary.DDM` and `drift.PageHinkley`), not read back from the code. They pin
// what the behaviour specs leave open: which end of a bound is allowed, the refusal's full words, and that the update
// that fills the warm start is not judged.

/** The refusal `make` throws: a `DriftInputError` with `DRIFT.INVALID_PARAMETER` and this exact message. */
function expectRefused(make: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    make();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DriftInputError);
  expect((thrown as DriftInputError).code).toBe('DRIFT.INVALID_PARAMETER');
  expect((thrown as DriftInputError).message).toBe(message);
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
