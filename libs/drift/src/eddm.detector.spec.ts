import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_2 } from '../fixtures/river-test-streams.fixture';
import type { BinaryInput } from './drift-detector.contract';
import { EDDM } from './eddm.detector';
import { PythonRandom } from './python-random.generator';

function riverBinaryStream(): BinaryInput[] {
  const rng = new PythonRandom(42);
  return [...rng.choices([0, 1] as const, { k: 1000 }), ...rng.choices([0, 1] as const, { k: 1000, weights: [0.3, 0.7] })];
}

describe('EDDM (River drift.binary.EDDM)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: EDDM(alpha=0.8, beta=0.75) → warning at 1059, change at 1278', () => {
      expect(riverExampleOutput(new EDDM({ alpha: 0.8, beta: 0.75 }), riverBinaryStream(), { warnings: true })).toEqual([
        'Warning detected at index 1059',
        'Change detected at index 1278',
      ]);
    });

    it('test_drift_detectors.py::test_eddm: EDDM(alpha=0.9, beta=0.8) on data_stream_2 → [1059]', () => {
      expect(driftIndices(new EDDM({ alpha: 0.9, beta: 0.8 }), digitsToNumbers(DATA_STREAM_2) as BinaryInput[])).toEqual([
        1059,
      ]);
    });
  });

  describe('behaviour', () => {
    it('constant input never warns nor drifts', () => {
      for (const bit of [0, 1] as const) {
        const eddm = new EDDM();
        let raised = 0;
        for (let i = 0; i < 2000; i++) if (eddm.update(bit).driftDetected || eddm.warningDetected) raised++;
        expect(raised).toBe(0);
      }
    });

    it('errors growing closer together trigger a warning, then a drift; the next update resets', () => {
      // Errors every 10 samples, then every 2: the distance statistic falls well below its maximum.
      const stream: BinaryInput[] = [];
      for (let i = 0; i < 600; i++) stream.push(i % 10 === 9 ? 1 : 0);
      for (let i = 0; i < 200; i++) stream.push(i % 2 === 1 ? 1 : 0);
      const eddm = new EDDM();
      const lines = riverExampleOutput(eddm, stream, { warnings: true });
      expect(lines[0]).toMatch(/^Warning detected at index \d+$/);
      expect(lines.some((l) => l.startsWith('Change'))).toBe(true);
      const driftAt = driftIndices(new EDDM(), stream)[0] as number;
      const replay = new EDDM();
      stream.slice(0, driftAt + 1).forEach((x) => replay.update(x));
      replay.update(0);
      expect([replay.driftDetected, replay.warningDetected]).toEqual([false, false]);
    });

    it('rejects NaN and non-binary values', () => {
      expect(() => new EDDM().update(Number.NaN as BinaryInput)).toThrow(/EDDM\.update\(x\) expects a bit/);
      expect(() => new EDDM().update(-1 as BinaryInput)).toThrow(RangeError);
    });

    it("exposes River defaults and River's alpha >= beta rule", () => {
      const eddm = new EDDM();
      expect([eddm.warmStart, eddm.alpha, eddm.beta]).toEqual([30, 0.95, 0.9]);
      expect(() => new EDDM({ alpha: 0.8, beta: 0.9 })).toThrow(/'alpha' \(0\.8\) must be greater or equal to 'beta' \(0\.9\)/);
      expect(() => new EDDM({ alpha: 1.5 })).toThrow(/'alpha'/);
      expect(() => new EDDM({ beta: 0 })).toThrow(/'beta'/);
    });
  });
});
