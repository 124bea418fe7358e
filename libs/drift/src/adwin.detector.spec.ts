import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_1 } from '../fixtures/river-test-streams.fixture';
import { ADWIN } from './adwin.detector';
import { DriftInputError } from './drift-input.error';
import { PythonRandom } from './python-random.generator';

const range = (start: number, stop: number): number[] => Array.from({ length: stop - start }, (_, i) => start + i);

/** River's example stream: Random(12345).choices([0, 1], k=1000) + choices(range(4, 8), k=1000). */
function riverNumericStream(): number[] {
  const rng = new PythonRandom(12345);
  return [...rng.choices([0, 1], { k: 1000 }), ...rng.choices(range(4, 8), { k: 1000 })];
}

describe('ADWIN (River drift.ADWIN)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: "Change detected at index 1023, input value: 4"', () => {
      expect(riverExampleOutput(new ADWIN(), riverNumericStream(), { values: true })).toEqual([
        'Change detected at index 1023, input value: 4',
      ]);
    });

    it('test_drift_detectors.py::test_adwin on data_stream_1 → [1023]', () => {
      expect(driftIndices(new ADWIN(), digitsToNumbers(DATA_STREAM_1))).toEqual([1023]);
    });

    it('test_adwin_regression.py::test_multiple_drifts (Random(42), four segments) → [1023, 2015, 3007]', () => {
      const rng = new PythonRandom(42);
      const stream = [
        ...rng.choices([0, 1], { k: 1000 }),
        ...rng.choices(range(4, 8), { k: 1000 }),
        ...rng.choices([0, 1], { k: 1000 }),
        ...rng.choices(range(4, 8), { k: 1000 }),
      ];
      expect(driftIndices(new ADWIN(), stream)).toEqual([1023, 2015, 3007]);
    });
  });

  describe('statistics (test_adwin_regression.py::TestStatistics / TestEdgeCases)', () => {
    it('width grows by one per update before any drift', () => {
      const adwin = new ADWIN();
      for (let i = 1; i <= 100; i++) expect(adwin.update(1.0).width).toBe(i);
    });

    it('total, estimation and width of [1..5]', () => {
      const adwin = new ADWIN();
      [1, 2, 3, 4, 5].forEach((v) => adwin.update(v));
      expect(adwin.total).toBe(15);
      expect(adwin.estimation).toBe(3);
      expect(adwin.width).toBe(5);
    });

    it('variance is the sum of squared deviations (oracle: batch formula, rel 1e-6 as in River)', () => {
      const rng = new PythonRandom(999);
      const values = range(0, 500).map(() => rng.gauss(5, 2));
      const adwin = new ADWIN();
      values.forEach((v) => adwin.update(v));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const expected = values.reduce((a, v) => a + (v - mean) ** 2, 0);
      expect(Math.abs(adwin.variance - expected) / expected).toBeLessThan(1e-6);
    });

    it('exact width/total/variance with clock=1e6 (never checks), values i % 7', () => {
      const adwin = new ADWIN({ clock: 1_000_000 });
      const values = range(0, 200).map((i) => i % 7);
      values.forEach((v) => adwin.update(v));
      const sum = values.reduce((a, b) => a + b, 0);
      const expected = values.reduce((a, v) => a + (v - sum / 200) ** 2, 0);
      expect(adwin.width).toBe(200);
      expect(adwin.total).toBe(sum);
      expect(Math.abs(adwin.variance - expected) / expected).toBeLessThan(1e-6);
    });

    it('empty, one and two elements; large and negative values', () => {
      expect(new ADWIN().estimation).toBe(0);
      const one = new ADWIN().update(42);
      expect([one.width, one.total, one.estimation]).toEqual([1, 42, 42]);
      const two = new ADWIN().update(1).update(2);
      expect([two.width, two.total, two.estimation]).toEqual([2, 3, 1.5]);
      const large = new ADWIN();
      for (let i = 0; i < 100; i++) large.update(1e15);
      expect(large.width).toBe(100);
      expect(large.estimation).toBeCloseTo(1e15, -2);
      const negative = new ADWIN();
      for (let i = 0; i < 100; i++) negative.update(-5);
      expect(negative.estimation).toBeCloseTo(-5, 12);
    });

    it('after a level shift is detected, the estimate follows the new level', () => {
      const adwin = new ADWIN();
      for (let i = 0; i < 1000; i++) adwin.update(0);
      for (let i = 0; i < 1000; i++) adwin.update(10);
      expect(adwin.estimation).toBeGreaterThan(5);
    });
  });

  describe('parameters', () => {
    it('clock=1 checks every update and still detects the shift of data_stream_1', () => {
      expect(driftIndices(new ADWIN({ clock: 1 }), digitsToNumbers(DATA_STREAM_1)).length).toBeGreaterThanOrEqual(1);
    });

    it('gracePeriod: no detection while the window is not wider than the grace period', () => {
      const adwin = new ADWIN({ gracePeriod: 100, clock: 1 });
      for (let i = 0; i < 50; i++) adwin.update(0);
      for (let i = 0; i < 50; i++) adwin.update(1000);
      expect(adwin.nDetections).toBe(0);
    });

    it('minWindowLength=1, clock=1 detects a 5σ shift', () => {
      const rng = new PythonRandom(42);
      const adwin = new ADWIN({ minWindowLength: 1, clock: 1 });
      const stream = [...range(0, 500).map(() => rng.gauss(0, 1)), ...range(0, 500).map(() => rng.gauss(5, 1))];
      expect(driftIndices(adwin, stream).length).toBeGreaterThanOrEqual(1);
    });

    it('maxBuckets 2, 5, 10, 20 all keep a window on 2000 uniform values', () => {
      for (const maxBuckets of [2, 5, 10, 20]) {
        const adwin = new ADWIN({ maxBuckets });
        const rng = new PythonRandom(42);
        for (let i = 0; i < 2000; i++) adwin.update(rng.random());
        expect(adwin.width).toBeGreaterThan(0);
      }
    });

    it('a larger delta detects at least as often as a smaller one', () => {
      const rng = new PythonRandom(42);
      const stream = [...range(0, 500).map(() => rng.gauss(0, 1)), ...range(0, 500).map(() => rng.gauss(0.5, 1))];
      const count = (delta: number): number => driftIndices(new ADWIN({ delta }), stream).length;
      expect(count(0.2)).toBeGreaterThanOrEqual(count(0.001));
    });

    it('rejects out-of-domain parameters with a message naming the parameter', () => {
      expect(() => new ADWIN({ delta: 0 })).toThrow(/ADWIN: parameter 'delta' must be a finite number in \(0, 1\), got 0/);
      expect(() => new ADWIN({ delta: 1.5 })).toThrow(DriftInputError);
      expect(() => new ADWIN({ clock: 0 })).toThrow(/'clock' must be an integer >= 1/);
      expect(() => new ADWIN({ clock: 2.5 })).toThrow(/'clock'/);
      expect(() => new ADWIN({ maxBuckets: 0 })).toThrow(/'maxBuckets'/);
      expect(() => new ADWIN({ minWindowLength: 0 })).toThrow(/'minWindowLength'/);
      expect(() => new ADWIN({ gracePeriod: -1 })).toThrow(/'gracePeriod'/);
    });

    it('exposes River defaults', () => {
      const adwin = new ADWIN();
      expect([adwin.delta, adwin.clock, adwin.maxBuckets, adwin.minWindowLength, adwin.gracePeriod]).toEqual([
        0.002, 32, 5, 5, 10,
      ]);
    });
  });

  describe('edge cases', () => {
    it('constant input never drifts (5000 × 1.0)', () => {
      const adwin = new ADWIN();
      expect(Array.from({ length: 5000 }, () => adwin.update(1.0).driftDetected)).not.toContain(true);
    });

    it('alternating 0/1 raises at most one drift in 2000 updates', () => {
      expect(driftIndices(new ADWIN(), range(0, 2000).map((i) => i % 2)).length).toBeLessThanOrEqual(1);
    });

    it('reset: the update after a drift starts a fresh window (width 1, nDetections 0)', () => {
      const adwin = new ADWIN({ clock: 1 });
      for (let i = 0; i < 500; i++) adwin.update(0);
      let found = false;
      for (let i = 0; i < 500 && !found; i++) found = adwin.update(100).driftDetected;
      expect(found).toBe(true);
      expect(adwin.nDetections).toBe(1);
      adwin.update(50);
      expect(adwin.driftDetected).toBe(false);
      expect(adwin.width).toBe(1);
      expect(adwin.nDetections).toBe(0);
    });

    it('rejects NaN and ±Infinity with a RangeError naming the detector', () => {
      const adwin = new ADWIN();
      expect(() => adwin.update(Number.NaN)).toThrow(RangeError);
      expect(() => adwin.update(Number.NaN)).toThrow(/ADWIN\.update\(x\) expects a finite number, got NaN/);
      expect(() => adwin.update(Infinity)).toThrow(/got Infinity/);
      expect(() => adwin.update('3' as unknown as number)).toThrow(DriftInputError);
      expect(adwin.width).toBe(0);
    });
  });
});
