import { describe, expect, it } from 'vitest';
import {
  ADWIN,
  CUSUM,
  DDM,
  DriftInputError,
  EDDM,
  HDDM_A,
  HDDM_W,
  HDDMA,
  HDDMW,
  KSWIN,
  PageHinkley,
  type BinaryInput,
} from '@chorus/drift';

// River's `checks` run the same assertions over every estimator; this is the equivalent for the drift detectors, run
// through the package entry point (`@chorus/drift`) so the public surface is what is tested.

type AnyDetector = { update(x: never): unknown; readonly driftDetected: boolean; readonly warningDetected?: boolean };

interface Candidate {
  name: string;
  make: (params?: Record<string, unknown>) => AnyDetector;
  binary: boolean;
  /** A parameter River documents for this detector, used to check constructor validation. */
  parameter: string;
}

const candidates: Candidate[] = [
  { name: 'ADWIN', make: (p) => new ADWIN(p), binary: false, parameter: 'delta' },
  { name: 'PageHinkley', make: (p) => new PageHinkley(p), binary: false, parameter: 'threshold' },
  { name: 'CUSUM', make: (p) => new CUSUM(p), binary: false, parameter: 'slack' },
  { name: 'KSWIN', make: (p) => new KSWIN({ seed: 1, ...p }), binary: false, parameter: 'alpha' },
  { name: 'DDM', make: (p) => new DDM(p), binary: true, parameter: 'warmStart' },
  { name: 'EDDM', make: (p) => new EDDM(p), binary: true, parameter: 'beta' },
  { name: 'HDDM_A', make: (p) => new HDDM_A(p), binary: true, parameter: 'driftConfidence' },
  { name: 'HDDM_W', make: (p) => new HDDM_W(p), binary: true, parameter: 'lambdaVal' },
];

describe.each(candidates.map((c) => [c.name, c] as const))('detector contract: %s', (name, c) => {
  const feed = (detector: AnyDetector, x: number): unknown =>
    detector.update((c.binary ? (x as BinaryInput) : x) as never);

  it('constructs with River defaults and starts with no drift (and no warning)', () => {
    const detector = c.make();
    expect(detector.driftDetected).toBe(false);
    if (c.binary) expect(detector.warningDetected).toBe(false);
  });

  it('update returns the detector itself', () => {
    const detector = c.make();
    expect(feed(detector, 1)).toBe(detector);
  });

  it('flags are booleans after every update', () => {
    const detector = c.make();
    const types = new Set<string>();
    for (let i = 0; i < 300; i++) {
      feed(detector, i % 3 === 0 ? 1 : 0);
      types.add(typeof detector.driftDetected);
      if (c.binary) types.add(typeof detector.warningDetected);
    }
    expect([...types]).toEqual(['boolean']);
  });

  it('a constant stream never drifts', () => {
    for (const value of c.binary ? [0, 1] : [0, 1, -3.5, 1e6]) {
      const detector = c.make();
      let drifts = 0;
      let warnings = 0;
      for (let i = 0; i < 3000; i++) {
        feed(detector, value);
        if (detector.driftDetected) drifts++;
        if (detector.warningDetected === true) warnings++;
      }
      expect({ value, drifts, warnings }).toEqual({ value, drifts: 0, warnings: 0 });
    }
  });

  it('rejects NaN and ±Infinity with a RangeError (DriftInputError) naming the detector, without changing state', () => {
    const detector = c.make();
    feed(detector, 1);
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      expect(() => feed(detector, bad)).toThrow(RangeError);
      expect(() => feed(detector, bad)).toThrow(DriftInputError);
      expect(() => feed(detector, bad)).toThrow(new RegExp(`^${name}\\.update\\(x\\) expects`));
    }
    expect(detector.driftDetected).toBe(false);
  });

  it('rejects a parameter of the wrong type with a message naming the detector and the parameter', () => {
    expect(() => c.make({ [c.parameter]: 'bad' })).toThrow(DriftInputError);
    expect(() => c.make({ [c.parameter]: 'bad' })).toThrow(
      new RegExp(`^${name}: parameter '${c.parameter}' must be .*, got "bad"\\.$`),
    );
  });
});

describe('package surface', () => {
  it("exports River's newer names HDDMA / HDDMW as aliases", () => {
    expect(HDDMA).toBe(HDDM_A);
    expect(HDDMW).toBe(HDDM_W);
  });
});
