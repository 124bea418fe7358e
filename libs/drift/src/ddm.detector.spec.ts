import { describe, expect, it } from 'vitest';
import { digitsToNumbers, driftIndices, riverExampleOutput } from '../fixtures/river-example.runner';
import { DATA_STREAM_2 } from '../fixtures/river-test-streams.fixture';
import { DDM } from './ddm.detector';
import type { BinaryInput } from './drift-detector.contract';
import { PythonRandom } from './python-random.generator';

/** River's binary example stream: Random(42).choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7]). */
function riverBinaryStream(): BinaryInput[] {
  const rng = new PythonRandom(42);
  return [...rng.choices([0, 1] as const, { k: 1000 }), ...rng.choices([0, 1] as const, { k: 1000, weights: [0.3, 0.7] })];
}

describe('DDM (River drift.binary.DDM)', () => {
  describe('River examples and regression tests (exact indices)', () => {
    it('docstring: warning at 1084, change at 1334, warning at 1492', () => {
      expect(riverExampleOutput(new DDM(), riverBinaryStream(), { warnings: true })).toEqual([
        'Warning detected at index 1084',
        'Change detected at index 1334',
        'Warning detected at index 1492',
      ]);
    });

    it('test_drift_detectors.py::test_ddm: data_stream_2 → [1049]; 1000 ones → []', () => {
      expect(driftIndices(new DDM(), digitsToNumbers(DATA_STREAM_2) as BinaryInput[])).toEqual([1049]);
      expect(driftIndices(new DDM(), new Array<BinaryInput>(1000).fill(1))).toEqual([]);
    });
  });

  describe('behaviour', () => {
    it('constant input (all errors, all successes) never warns nor drifts', () => {
      for (const bit of [0, 1] as const) {
        const ddm = new DDM();
        let raised = 0;
        for (let i = 0; i < 2000; i++) if (ddm.update(bit).driftDetected || ddm.warningDetected) raised++;
        expect(raised).toBe(0);
      }
    });

    it('warning precedes drift; a drift clears the warning; the next update resets both', () => {
      const ddm = new DDM();
      const flags: Array<[boolean, boolean]> = [];
      for (const x of riverBinaryStream()) flags.push([ddm.update(x).warningDetected, ddm.driftDetected]);
      const firstDrift = flags.findIndex(([, d]) => d);
      const firstWarning = flags.findIndex(([w]) => w);
      expect(firstDrift).toBe(1334);
      expect(firstWarning).toBeLessThan(firstDrift);
      expect(flags[firstDrift]).toEqual([false, true]);
      expect(flags[firstDrift + 1]).toEqual([false, false]);
    });

    it('nothing is signalled during the warm start', () => {
      const ddm = new DDM({ warmStart: 50 });
      const stream: BinaryInput[] = [...new Array<BinaryInput>(25).fill(0), ...new Array<BinaryInput>(25).fill(1)];
      expect(driftIndices(ddm, stream)).toEqual([]);
      expect(ddm.warningDetected).toBe(false);
    });

    it('accepts booleans as bits', () => {
      const asBool = riverBinaryStream().map((b) => b === 1);
      expect(driftIndices(new DDM(), asBool)).toEqual(driftIndices(new DDM(), riverBinaryStream()));
    });

    it('rejects NaN and non-binary values with a RangeError that says what to do', () => {
      const ddm = new DDM();
      expect(() => ddm.update(Number.NaN as BinaryInput)).toThrow(RangeError);
      expect(() => ddm.update(Number.NaN as BinaryInput)).toThrow(/DDM\.update\(x\) expects a bit \(0, 1, false or true; 1 = error\), got NaN/);
      expect(() => ddm.update(0.5 as BinaryInput)).toThrow(/got 0\.5/);
      expect(() => ddm.update(2 as BinaryInput)).toThrow(/got 2/);
    });

    it('exposes River defaults and validates parameters', () => {
      const ddm = new DDM();
      expect([ddm.warmStart, ddm.warningThreshold, ddm.driftThreshold]).toEqual([30, 2, 3]);
      expect(() => new DDM({ warmStart: -1 })).toThrow(/'warmStart'/);
      expect(() => new DDM({ driftThreshold: 0 })).toThrow(/'driftThreshold'/);
      expect(() => new DDM({ warningThreshold: 4 })).toThrow(/must not exceed driftThreshold/);
    });
  });
});
