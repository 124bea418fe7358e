import { driftDetectorConfigBodyV1, DRIFT_DETECTORS, type DriftDetectorName } from '@chorus/contracts';
import { createDetector, DriftInputError } from '@chorus/drift';
import { describe, expect, it } from 'vitest';

// The admin API validates detector parameters with the contract schema; drift-watch builds detectors with the library.
// They must agree: every parameter set the schema accepts must build, and every one it refuses must be refused by the
// library too (the schema only adds "no unknown keys"). Checked on boundary values of every River parameter.
const candidates: Record<DriftDetectorName, Record<string, unknown>[]> = {
  ADWIN: [{}, { delta: 0 }, { delta: 1 }, { delta: 1e-9 }, { clock: 0 }, { clock: 1 }, { clock: 1.5 }, { maxBuckets: 0 }, { minWindowLength: 0 }, { gracePeriod: -1 }, { gracePeriod: 0 }],
  PageHinkley: [{}, { minInstances: -1 }, { minInstances: 0 }, { delta: -0.1 }, { delta: 0 }, { threshold: 0 }, { threshold: 1e-6 }, { alpha: 0 }, { alpha: 1 }, { alpha: 1.01 }, { mode: 'up' }, { mode: 'sideways' }],
  CUSUM: [{}, { minInstances: 0 }, { minInstances: 1 }, { slack: -1 }, { slack: 0 }, { threshold: 0 }, { threshold: 0.1 }, { mode: 'down' }],
  KSWIN: [{}, { alpha: -0.1 }, { alpha: 0 }, { alpha: 1 }, { windowSize: 59 }, { windowSize: 60 }, { statSize: 0 }, { statSize: 50 }, { statSize: 50, windowSize: 100 }, { windowSize: 1, statSize: 1 }, { seed: 42 }],
  DDM: [{}, { warmStart: -1 }, { warmStart: 0 }, { warningThreshold: 0 }, { warningThreshold: 3 }, { warningThreshold: 3.5 }, { driftThreshold: 1.9 }],
  EDDM: [{}, { alpha: 0.9 }, { alpha: 0.89 }, { beta: 0.95 }, { beta: 0 }, { alpha: 1, beta: 1 }, { alpha: 1.1 }],
  HDDM_A: [{}, { driftConfidence: 0 }, { driftConfidence: 0.005 }, { driftConfidence: 0.006 }, { warningConfidence: 1 }, { twoSidedTest: true }, { twoSidedTest: 'yes' }],
  HDDM_W: [{}, { lambdaVal: 0 }, { lambdaVal: 1 }, { lambdaVal: 1.5 }, { driftConfidence: 0.01, warningConfidence: 0.02 }, { driftConfidence: 0.02, warningConfidence: 0.01 }],
};

describe('detector parameters: contract schema ⇔ @chorus/drift constructors', () => {
  it.each(DRIFT_DETECTORS.map((d) => [d] as const))('%s', (detector) => {
    const binary = ['DDM', 'EDDM', 'HDDM_A', 'HDDM_W'].includes(detector);
    for (const params of candidates[detector]) {
      const body = { detector, params, direction: 'up', harmful: true, criticalChange: 1, ...(binary ? { binaryThreshold: 0.5 } : {}) };
      const schemaAccepts = driftDetectorConfigBodyV1.safeParse(body).success;
      let libraryAccepts = true;
      try {
        createDetector(detector, params);
      } catch (error) {
        expect(error).toBeInstanceOf(DriftInputError);
        libraryAccepts = false;
      }
      expect({ detector, params, schemaAccepts }).toEqual({ detector, params, schemaAccepts: libraryAccepts });
    }
  });
});
