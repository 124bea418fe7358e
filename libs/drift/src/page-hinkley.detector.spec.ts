import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_3 } from '../fixtures/river-test-streams.fixture';
import { PageHinkley } from './page-hinkley.detector';
import { PythonRandom } from './python-random.generator';

const range = (start: number, stop: number): number[] => Array.from({ length: stop - start }, (_, i) => start + i);

describe('PageHinkley (River drift.PageHinkley)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: "Change detected at index 1006, input value: 5"', () => {
      const rng = new PythonRandom(12345);
      const stream = [...rng.choices([0, 1], { k: 1000 }), ...rng.choices(range(4, 8), { k: 1000 })];
      expect(riverExampleOutput(new PageHinkley(), stream, { values: true })).toEqual([
        'Change detected at index 1006, input value: 5',
      ]);
    });

    it('test_drift_detectors.py::test_page_hinkley on data_stream_3, per mode', () => {
      const stream = digitsToNumbers(DATA_STREAM_3);
      expect(driftIndices(new PageHinkley({ mode: 'up' }), stream)).toEqual([588, 1681]);
      expect(driftIndices(new PageHinkley({ mode: 'down' }), stream)).toEqual([1172]);
      expect(driftIndices(new PageHinkley({ mode: 'both' }), stream)).toEqual([588, 1097, 1585]);
    });
  });

  describe('behaviour', () => {
    it('constant input never drifts', () => {
      const ph = new PageHinkley();
      expect(Array.from({ length: 5000 }, () => ph.update(3.25).driftDetected)).not.toContain(true);
    });

    it('no drift before minInstances values, whatever the input', () => {
      const ph = new PageHinkley({ minInstances: 30, threshold: 1 });
      expect(Array.from({ length: 29 }, (_, i) => ph.update(i < 10 ? 0 : 1000).driftDetected)).not.toContain(true);
      expect(ph.update(1000).driftDetected).toBe(true);
    });

    it("mode 'up' ignores a drop that mode 'down' catches", () => {
      const stream = [...range(0, 200).map(() => 10), ...range(0, 200).map(() => 0)];
      expect(driftIndices(new PageHinkley({ mode: 'up', threshold: 5 }), stream)).toEqual([]);
      expect(driftIndices(new PageHinkley({ mode: 'down', threshold: 5 }), stream).length).toBeGreaterThan(0);
    });

    it('reset: after a drift the next update starts over (no drift until minInstances again)', () => {
      const ph = new PageHinkley({ minInstances: 5, threshold: 1, mode: 'up' });
      const stream = [0, 0, 0, 0, 0, 0, 0, 0, 50];
      expect(driftIndices(ph, stream)).toEqual([8]);
      expect(Array.from({ length: 4 }, () => ph.update(50).driftDetected)).not.toContain(true);
    });

    it('rejects NaN with a clear RangeError', () => {
      expect(() => new PageHinkley().update(Number.NaN)).toThrow(/PageHinkley\.update\(x\) expects a finite number, got NaN/);
      expect(() => new PageHinkley().update(-Infinity)).toThrow(RangeError);
    });

    it('exposes River defaults and validates parameters', () => {
      const ph = new PageHinkley();
      expect([ph.minInstances, ph.delta, ph.threshold, ph.alpha, ph.mode]).toEqual([30, 0.005, 50, 1 - 0.0001, 'both']);
      expect(() => new PageHinkley({ mode: 'sideways' as never })).toThrow(
        /parameter 'mode' must be one of "up", "down", "both", got "sideways"/,
      );
      expect(() => new PageHinkley({ threshold: 0 })).toThrow(/'threshold'/);
      expect(() => new PageHinkley({ alpha: 0 })).toThrow(/'alpha'/);
      expect(() => new PageHinkley({ alpha: 1.01 })).toThrow(/'alpha'/);
      expect(() => new PageHinkley({ delta: -1 })).toThrow(/'delta'/);
      expect(() => new PageHinkley({ minInstances: 1.5 })).toThrow(/'minInstances'/);
    });
  });
});
