import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_2, DATA_STREAM_3 } from '../fixtures/river-test-streams.fixture';
import type { BinaryInput } from './drift-detector.contract';
import { HDDM_W } from './hddm-w.detector';
import { PythonRandom } from './python-random.generator';

function riverBinaryStream(): BinaryInput[] {
  const rng = new PythonRandom(42);
  return [...rng.choices([0, 1] as const, { k: 1000 }), ...rng.choices([0, 1] as const, { k: 1000, weights: [0.3, 0.7] })];
}

describe('HDDM_W (River drift.binary.HDDM_W / HDDMW)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: warning at 451, change at 1077', () => {
      expect(riverExampleOutput(new HDDM_W(), riverBinaryStream(), { warnings: true })).toEqual([
        'Warning detected at index 451',
        'Change detected at index 1077',
      ]);
    });

    it('test_drift_detectors.py::test_hddm_w: data_stream_2 → [1018]; two-sided on data_stream_3 → [507, 1032, 1508]', () => {
      expect(driftIndices(new HDDM_W(), digitsToNumbers(DATA_STREAM_2) as BinaryInput[])).toEqual([1018]);
      expect(driftIndices(new HDDM_W({ twoSidedTest: true }), digitsToNumbers(DATA_STREAM_3) as BinaryInput[])).toEqual([
        507, 1032, 1508,
      ]);
    });
  });

  describe('behaviour', () => {
    it('constant input never warns nor drifts', () => {
      for (const bit of [0, 1] as const) {
        const detector = new HDDM_W({ twoSidedTest: true });
        let raised = 0;
        for (let i = 0; i < 2000; i++) if (detector.update(bit).driftDetected || detector.warningDetected) raised++;
        expect(raised).toBe(0);
      }
    });

    it('one-sided ignores a drop in the error rate that the two-sided test catches', () => {
      const stream: BinaryInput[] = [...new Array<BinaryInput>(500).fill(1), ...new Array<BinaryInput>(500).fill(0)];
      expect(driftIndices(new HDDM_W(), stream)).toEqual([]);
      expect(driftIndices(new HDDM_W({ twoSidedTest: true }), stream).length).toBeGreaterThan(0);
    });

    it('a drift clears the warning; the next update resets the detector', () => {
      const detector = new HDDM_W();
      riverBinaryStream().slice(0, 1078).forEach((x) => detector.update(x));
      expect([detector.driftDetected, detector.warningDetected]).toEqual([true, false]);
      detector.update(1);
      expect([detector.driftDetected, detector.warningDetected]).toEqual([false, false]);
    });

    it('rejects NaN and non-binary values; validates parameters', () => {
      expect(() => new HDDM_W().update(Number.NaN as BinaryInput)).toThrow(/HDDM_W\.update\(x\) expects a bit/);
      const d = new HDDM_W();
      expect([d.driftConfidence, d.warningConfidence, d.lambdaVal, d.twoSidedTest]).toEqual([0.001, 0.005, 0.05, false]);
      expect(() => new HDDM_W({ lambdaVal: 0 })).toThrow(/'lambdaVal' must be a finite number in \(0, 1\]/);
      expect(() => new HDDM_W({ lambdaVal: 1.5 })).toThrow(/'lambdaVal'/);
      expect(() => new HDDM_W({ warningConfidence: 1 })).toThrow(/'warningConfidence'/);
    });
  });
});
