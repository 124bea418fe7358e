import { describe, expect, it } from 'vitest';
import { detectionIndices, gentleErrorStream, gentleGaussianStream } from '../fixtures/gentle-drift-streams.fixture';
import { RiverADWIN } from '../fixtures/river-reference/adwin.reference';
import { RiverDDM, RiverEDDM, RiverHDDM_A, RiverHDDM_W } from '../fixtures/river-reference/binary-detectors.reference';
import { RiverCUSUM } from '../fixtures/river-reference/cusum.reference';
import { RiverKSWIN } from '../fixtures/river-reference/kswin.reference';
import { RiverPageHinkley } from '../fixtures/river-reference/page-hinkley.reference';
import { ADWIN } from './adwin.detector';
import { CUSUM } from './cusum.detector';
import { DDM } from './ddm.detector';
import { EDDM } from './eddm.detector';
import { HDDM_A } from './hddm-a.detector';
import { HDDM_W } from './hddm-w.detector';
import { KSWIN } from './kswin.detector';
import { PageHinkley } from './page-hinkley.detector';

// Production against an independent transcription of River's source (fixtures/river-reference), on many seeded gentle
// drifts: the two must flag the same updates, index for index. This is what makes the literal indices pinned in
// gentle-drift.pins.spec.ts River's answers rather than our code's.

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
// KSWIN runs a KS test per update; fewer seeds keep it to seconds.
const KSWIN_SEEDS = SEEDS.slice(0, 12);

type Detector<T> = { update(x: T): unknown; readonly driftDetected: boolean; readonly warningDetected?: boolean };

/** Runs both on every seed, expects equal drift and warning indices, and returns how many flags they raised in all. */
function agreeOnEverySeed<T>(
  stream: (seed: number) => T[],
  production: () => Detector<T>,
  reference: () => Detector<T>,
  seeds: readonly number[] = SEEDS,
): number {
  let detections = 0;
  for (const seed of seeds) {
    const s = stream(seed);
    const ours = detectionIndices(production(), s);
    expect(ours, `seed ${seed}`).toEqual(detectionIndices(reference(), s));
    detections += ours.drifts.length + ours.warnings.length;
  }
  return detections;
}

describe('every detector agrees with the River transcription on 40 seeded gentle drifts (KSWIN on 12, statSize 200 on 6)', { timeout: 120_000 }, () => {
  // The detection counts are asserted too, so the agreement cannot hold vacuously (two detectors that never fire).
  it('ADWIN (default and delta = 0.05, clock = 1)', () => {
    expect(agreeOnEverySeed(gentleGaussianStream, () => new ADWIN(), () => new RiverADWIN())).toBeGreaterThan(30);
    expect(agreeOnEverySeed(gentleGaussianStream, () => new ADWIN({ delta: 0.05, clock: 1 }), () => new RiverADWIN(0.05, 1))).toBeGreaterThan(30);
  });

  it('PageHinkley (both, up and down; threshold 20)', () => {
    expect(agreeOnEverySeed(gentleGaussianStream, () => new PageHinkley(), () => new RiverPageHinkley())).toBeGreaterThan(40);
    const up = () => new PageHinkley({ threshold: 20, mode: 'up' });
    expect(agreeOnEverySeed(gentleGaussianStream, up, () => new RiverPageHinkley(30, 0.005, 20, 1 - 0.0001, 'up'))).toBeGreaterThan(100);
    const down = () => new PageHinkley({ threshold: 20, mode: 'down' });
    expect(agreeOnEverySeed(gentleGaussianStream, down, () => new RiverPageHinkley(30, 0.005, 20, 1 - 0.0001, 'down'))).toBeGreaterThan(50);
  });

  it('CUSUM (both and up)', () => {
    expect(agreeOnEverySeed(gentleGaussianStream, () => new CUSUM(), () => new RiverCUSUM())).toBeGreaterThan(100);
    expect(agreeOnEverySeed(gentleGaussianStream, () => new CUSUM({ mode: 'up' }), () => new RiverCUSUM(30, 0.5, 5, 'up'))).toBeGreaterThan(50);
  });

  it('KSWIN (seeded sampling; statSize 30, 50 and 200)', () => {
    expect(agreeOnEverySeed(gentleGaussianStream, () => new KSWIN({ seed: 7 }), () => new RiverKSWIN(0.005, 100, 30, 7), KSWIN_SEEDS)).toBeGreaterThan(20);
    const fifty = () => new KSWIN({ windowSize: 100, statSize: 50, seed: 7 });
    expect(agreeOnEverySeed(gentleGaussianStream, fifty, () => new RiverKSWIN(0.005, 100, 50, 7), KSWIN_SEEDS)).toBeGreaterThan(5);
    const twoHundred = () => new KSWIN({ windowSize: 400, statSize: 200, seed: 7 });
    expect(agreeOnEverySeed(gentleGaussianStream, twoHundred, () => new RiverKSWIN(0.005, 400, 200, 7), KSWIN_SEEDS.slice(0, 6))).toBeGreaterThan(3);
  });

  it('DDM', () => {
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, () => new DDM(), () => new RiverDDM())).toBeGreaterThan(1000);
  });

  it('EDDM', () => {
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, () => new EDDM(), () => new RiverEDDM())).toBeGreaterThan(1000);
  });

  it('HDDM_A (one- and two-sided)', () => {
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, () => new HDDM_A(), () => new RiverHDDM_A())).toBeGreaterThan(1000);
    const twoSided = () => new HDDM_A({ twoSidedTest: true });
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, twoSided, () => new RiverHDDM_A(0.001, 0.005, true))).toBeGreaterThan(1000);
  });

  it('HDDM_W (one- and two-sided)', () => {
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, () => new HDDM_W(), () => new RiverHDDM_W())).toBeGreaterThan(5);
    const twoSided = () => new HDDM_W({ twoSidedTest: true });
    expect(agreeOnEverySeed<0 | 1>(gentleErrorStream, twoSided, () => new RiverHDDM_W(0.001, 0.005, 0.05, true))).toBeGreaterThan(1000);
  });
});
