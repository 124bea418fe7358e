import { describe, expect, it } from 'vitest';
import { digitsToNumbers } from '../fixtures/river-example.runner';
import { DATA_STREAM_3 } from '../fixtures/river-test-streams.fixture';
import {
  ADWIN,
  CUSUM,
  DDM,
  DriftInputError,
  EDDM,
  HDDM_A,
  HDDM_W,
  KSWIN,
  PageHinkley,
  PythonRandom,
  createDetector,
  DETECTOR_KINDS,
  restoreDetector,
  type AnyDetector,
} from '@chorus/drift';

// Persistence contract: a detector serialised with toJSON(), sent through JSON text and restored with fromJSON() (or the
// generic restoreDetector) must be indistinguishable from the original — same flags on every later input, same state
// at the end. Cut points include the update that raised a drift and the one after it (where River resets), because
// the pending reset is part of the state.

const range = (start: number, stop: number): number[] => Array.from({ length: stop - start }, (_, i) => start + i);

function numericStream(): number[] {
  const rng = new PythonRandom(12345);
  return [...rng.choices([0, 1], { k: 1000 }), ...rng.choices(range(4, 8), { k: 1000 }), ...rng.choices([0, 1], { k: 600 })];
}

function gaussianStream(): number[] {
  const rng = new PythonRandom(7);
  return [...range(0, 300).map(() => rng.gauss(0, 1)), ...range(0, 300).map(() => rng.gauss(3, 1)), ...range(0, 300).map(() => rng.gauss(0, 1))];
}

function binaryStream(): number[] {
  const rng = new PythonRandom(42);
  return [...rng.choices([0, 1], { k: 1000 }), ...rng.choices([0, 1], { k: 1000, weights: [0.3, 0.7] })];
}

interface Case {
  name: string;
  make: () => AnyDetector;
  stream: () => number[];
  restore: (json: unknown) => AnyDetector;
}

const cases: Case[] = [
  { name: 'ADWIN', make: () => new ADWIN(), stream: numericStream, restore: (j) => ADWIN.fromJSON(j) },
  { name: 'ADWIN (clock 1, small buckets)', make: () => new ADWIN({ clock: 1, maxBuckets: 2, delta: 0.01 }), stream: numericStream, restore: (j) => ADWIN.fromJSON(j) },
  { name: 'PageHinkley', make: () => new PageHinkley(), stream: numericStream, restore: (j) => PageHinkley.fromJSON(j) },
  { name: 'PageHinkley (down)', make: () => new PageHinkley({ mode: 'down', threshold: 20 }), stream: numericStream, restore: (j) => PageHinkley.fromJSON(j) },
  { name: 'CUSUM', make: () => new CUSUM(), stream: gaussianStream, restore: (j) => CUSUM.fromJSON(j) },
  { name: 'KSWIN (seeded)', make: () => new KSWIN({ alpha: 0.0001, seed: 42 }), stream: numericStream, restore: (j) => KSWIN.fromJSON(j) },
  { name: 'KSWIN (string seed)', make: () => new KSWIN({ alpha: 0.001, seed: 'chorus' }), stream: numericStream, restore: (j) => KSWIN.fromJSON(j) },
  { name: 'KSWIN (bigint seed)', make: () => new KSWIN({ alpha: 0.001, seed: 2n ** 80n + 3n }), stream: numericStream, restore: (j) => KSWIN.fromJSON(j) },
  // No seed: OS entropy. The generator state travels with the detector, so the restored copy still draws what the
  // original draws.
  { name: 'KSWIN (unseeded)', make: () => new KSWIN({ alpha: 0.001 }), stream: numericStream, restore: (j) => KSWIN.fromJSON(j) },
  { name: 'DDM', make: () => new DDM(), stream: binaryStream, restore: (j) => DDM.fromJSON(j) },
  { name: 'EDDM', make: () => new EDDM({ alpha: 0.8, beta: 0.75 }), stream: binaryStream, restore: (j) => EDDM.fromJSON(j) },
  { name: 'HDDM_A', make: () => new HDDM_A(), stream: binaryStream, restore: (j) => HDDM_A.fromJSON(j) },
  { name: 'HDDM_A (two-sided)', make: () => new HDDM_A({ twoSidedTest: true }), stream: () => digitsToNumbers(DATA_STREAM_3), restore: (j) => HDDM_A.fromJSON(j) },
  { name: 'HDDM_W', make: () => new HDDM_W(), stream: binaryStream, restore: (j) => HDDM_W.fromJSON(j) },
  { name: 'HDDM_W (two-sided)', make: () => new HDDM_W({ twoSidedTest: true }), stream: () => digitsToNumbers(DATA_STREAM_3), restore: (j) => HDDM_W.fromJSON(j) },
];

type Flags = [boolean, boolean | undefined];

function flagsOf(detector: AnyDetector): Flags {
  return [detector.driftDetected, 'warningDetected' in detector ? detector.warningDetected : undefined];
}

function feed(detector: AnyDetector, x: number): void {
  (detector as { update(x: number): unknown }).update(x);
}

const throughJson = (detector: AnyDetector): unknown => JSON.parse(JSON.stringify(detector.toJSON()));

describe.each(cases.map((c) => [c.name, c] as const))('serialisation round trip: %s', (_name, c) => {
  const stream = c.stream();

  // Where the uninterrupted detector drifts: the cut points must include those updates and the ones just after.
  const reference = c.make();
  const referenceFlags: Flags[] = [];
  for (const x of stream) {
    feed(reference, x);
    referenceFlags.push(flagsOf(reference));
  }
  const drifts = referenceFlags.flatMap(([drift], i) => (drift ? [i] : []));

  it('the stream drifts at least once (so resets are exercised)', () => {
    expect(drifts.length).toBeGreaterThan(0);
  });

  it('restored at any cut point, continues with the same flags and ends in the same state', () => {
    const cuts = [...new Set([0, 1, 17, 250, 999, 1001, 1500, stream.length - 2, ...drifts, ...drifts.map((d) => d + 1)])]
      .filter((i) => i >= 0 && i < stream.length - 1)
      .sort((a, b) => a - b);
    for (const cut of cuts) {
      const original = c.make();
      for (let i = 0; i <= cut; i++) feed(original, stream[i] as number);
      const restored = c.restore(throughJson(original));
      const generic = restoreDetector(throughJson(original));
      expect(restored.toJSON()).toEqual(original.toJSON());
      const originalFlags: Flags[] = [];
      const restoredFlags: Flags[] = [];
      const genericFlags: Flags[] = [];
      for (let i = cut + 1; i < stream.length; i++) {
        // Unseeded, a reset draws fresh OS entropy (River: random.Random(None)), so two copies part ways at the first
        // reset after the cut; they must agree up to and including the drift that precedes it.
        if (c.name.includes('unseeded') && original.driftDetected) break;
        const x = stream[i] as number;
        feed(original, x);
        feed(restored, x);
        feed(generic, x);
        originalFlags.push(flagsOf(original));
        restoredFlags.push(flagsOf(restored));
        genericFlags.push(flagsOf(generic));
      }
      expect({ cut, flags: restoredFlags }).toEqual({ cut, flags: originalFlags });
      expect({ cut, flags: genericFlags }).toEqual({ cut, flags: originalFlags });
      expect(restored.toJSON()).toEqual(original.toJSON());
      if (!c.name.includes('unseeded')) expect({ cut, flags: originalFlags }).toEqual({ cut, flags: referenceFlags.slice(cut + 1) });
    }
  });

  it('a fresh detector round-trips (initial ±Infinity statistics survive JSON)', () => {
    const fresh = c.make();
    const text = JSON.stringify(fresh.toJSON());
    // JSON.stringify writes ±Infinity as null: the text must reproduce the state exactly.
    expect(JSON.parse(text)).toEqual(fresh.toJSON());
    const restored = c.restore(JSON.parse(text));
    expect(restored.toJSON()).toEqual(fresh.toJSON());
  });
});

describe('restoring malformed states', () => {
  const adwin = (): Record<string, any> => JSON.parse(JSON.stringify(new ADWIN().update(1).update(2).toJSON()));

  it('refuses a state of another kind, naming both', () => {
    expect(() => ADWIN.fromJSON(new PageHinkley().toJSON())).toThrow(/ADWIN\.fromJSON: field "kind" must be "ADWIN", got "PageHinkley"/);
    expect(() => restoreDetector({ kind: 'Nope', version: 1 })).toThrow(/must be one of ADWIN, PageHinkley/);
  });

  it('refuses an unknown version, a missing field, NaN and an inconsistent window, with DRIFT.INVALID_STATE', () => {
    const badVersion = { ...adwin(), version: 2 };
    const missing = adwin();
    delete missing['state']['tick'];
    const notANumber = adwin();
    notANumber['state']['total'] = 'NaN';
    const inconsistent = adwin();
    inconsistent['state']['width'] = 7;
    for (const [state, message] of [
      [badVersion, /field "version" must be 1/],
      [missing, /field "state\.tick" must be an integer ≥ 0, got nothing \(missing\)/],
      [notANumber, /field "state\.total" must be a finite number, got "NaN"/],
      [inconsistent, /"state\.width" \(7\) must equal the values held by the buckets \(2\)/],
    ] as const) {
      let error: unknown;
      try {
        ADWIN.fromJSON(state);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DriftInputError);
      expect((error as DriftInputError).code).toBe('DRIFT.INVALID_STATE');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('re-validates the stored parameters through the constructor', () => {
    const state = JSON.parse(JSON.stringify(new EDDM().toJSON()));
    state.params.beta = 0.99;
    expect(() => EDDM.fromJSON(state)).toThrow(/'alpha' \(0\.95\) must be greater or equal to 'beta' \(0\.99\)/);
  });

  it('refuses a corrupted generator state in KSWIN', () => {
    const state = JSON.parse(JSON.stringify(new KSWIN({ seed: 1 }).toJSON()));
    state.state.rng.mt = 'AAAA';
    expect(() => KSWIN.fromJSON(state)).toThrow(/PythonRandom\.setState: field "mt" must be the base64 of 624 32-bit words/);
  });
});

describe('PythonRandom getState / setState', () => {
  it('continues the same draws (random, gauss cache) after a state transfer', () => {
    const a = new PythonRandom(99);
    for (let i = 0; i < 700; i++) a.random(); // crosses a regeneration of the 624-word state
    a.gauss(); // leaves a cached second value
    const b = new PythonRandom(1);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(range(0, 50).map(() => b.gauss())).toEqual(range(0, 50).map(() => a.gauss()));
    expect(b.sample(range(0, 1000), 20)).toEqual(a.sample(range(0, 1000), 20));
  });
});

describe('createDetector', () => {
  it('builds every kind by name with its parameters, as its constructor would', () => {
    for (const kind of DETECTOR_KINDS) {
      const detector = createDetector(kind);
      expect(detector.toJSON().kind).toBe(kind);
    }
    expect(createDetector('PageHinkley', { threshold: 7, mode: 'up' }).toJSON().params).toMatchObject({ threshold: 7, mode: 'up' });
  });

  it("refuses bad parameters with the constructor's message, and unknown kinds", () => {
    expect(() => createDetector('ADWIN', { delta: 2 })).toThrow(/^ADWIN: parameter 'delta' must be a finite number in \(0, 1\), got 2\.$/);
    expect(() => createDetector('Nope' as never)).toThrow(DriftInputError);
  });
});
