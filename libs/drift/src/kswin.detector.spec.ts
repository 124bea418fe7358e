import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_1 } from '../fixtures/river-test-streams.fixture';
import { DriftInputError } from './drift-input.error';
import { KSWIN } from './kswin.detector';
import { PythonRandom } from './python-random.generator';

const range = (start: number, stop: number): number[] => Array.from({ length: stop - start }, (_, i) => start + i);

describe('KSWIN (River drift.KSWIN)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: KSWIN(alpha=0.0001, seed=42) → "Change detected at index 1016, input value: 6"', () => {
      const rng = new PythonRandom(12345);
      const stream = [...rng.choices([0, 1], { k: 1000 }), ...rng.choices(range(4, 8), { k: 1000 })];
      expect(riverExampleOutput(new KSWIN({ alpha: 0.0001, seed: 42 }), stream, { values: true })).toEqual([
        'Change detected at index 1016, input value: 6',
      ]);
    });

    it('test_drift_detectors.py::test_kswin: KSWIN(alpha=0.0001, window_size=200, stat_size=100, seed=42) → [1042]', () => {
      const kswin = new KSWIN({ alpha: 0.0001, windowSize: 200, statSize: 100, seed: 42 });
      expect(driftIndices(kswin, digitsToNumbers(DATA_STREAM_1))).toEqual([1042]);
    });
  });

  describe('behaviour', () => {
    it('constant input never drifts (D = 0, p = 1)', () => {
      const kswin = new KSWIN({ seed: 1 });
      expect(Array.from({ length: 1000 }, () => kswin.update(0.5).driftDetected)).not.toContain(true);
      expect(kswin.pValue).toBe(1);
    });

    it('no test before the window is full (p-value stays 0, as in River)', () => {
      const kswin = new KSWIN({ windowSize: 10, statSize: 3, seed: 1 });
      for (let i = 0; i < 9; i++) kswin.update(i);
      expect(kswin.pValue).toBe(0);
      expect(kswin.n).toBe(9);
      kswin.update(9);
      expect(kswin.pValue).toBeGreaterThan(0);
    });

    it('reset: after a drift the window empties and the generator is re-seeded', () => {
      const stream = [...range(0, 100).map(() => 0), ...range(0, 100).map(() => 10)];
      const kswin = new KSWIN({ seed: 7 });
      const first = driftIndices(kswin, stream);
      expect(first.length).toBeGreaterThan(0);
      const after = first[0] as number;
      // Replaying the same stream from the update after the first drift behaves like a new detector on that suffix.
      const replay = new KSWIN({ seed: 7 });
      stream.slice(0, after + 1).forEach((x) => replay.update(x));
      const fresh = new KSWIN({ seed: 7 });
      const suffix = [...range(0, 150).map(() => 10), ...range(0, 150).map(() => -10)];
      expect(driftIndices(replay, suffix)).toEqual(driftIndices(fresh, suffix));
    });

    it('a warm window avoids the cold start', () => {
      const warm = new KSWIN({ windowSize: 10, statSize: 3, seed: 3, window: range(0, 9) });
      warm.update(9);
      expect(warm.pValue).toBeGreaterThan(0);
    });

    it('rejects NaN and invalid configurations with clear messages', () => {
      expect(() => new KSWIN().update(Number.NaN)).toThrow(/KSWIN\.update\(x\) expects a finite number, got NaN/);
      expect(() => new KSWIN({ alpha: -0.1 })).toThrow(/'alpha' must be a finite number in \[0, 1\]/);
      expect(() => new KSWIN({ alpha: 1.1 })).toThrow(DriftInputError);
      expect(() => new KSWIN({ windowSize: -10 })).toThrow(/'windowSize'/);
      expect(() => new KSWIN({ windowSize: 10, statSize: 30 })).toThrow(/at least 2 × statSize/);
      expect(() => new KSWIN({ windowSize: 50, statSize: 30 })).toThrow(/windowSize \(50\) must be at least 2 × statSize \(30\)/);
      expect(() => new KSWIN({ window: [1, Number.NaN] })).toThrow(/'window' must hold finite numbers/);
      expect(() => new KSWIN({ seed: 0.5 })).toThrow(/seed must be an integer/);
    });

    it('exposes River defaults', () => {
      const kswin = new KSWIN();
      expect([kswin.alpha, kswin.windowSize, kswin.statSize, kswin.seed]).toEqual([0.005, 100, 30, undefined]);
    });
  });
});
