/**
 * @chorus/drift — streaming drift detectors whose semantics match River (online-ml/river, `river/drift/`), plus the
 * bit-exact CPython `random.Random` port used to reproduce River's seeded examples. Pure TypeScript, no framework.
 */
export { ADWIN, type AdwinParams, type AdwinState } from './adwin.detector';
export { PageHinkley, type PageHinkleyParams, type PageHinkleyState, type ChangeDirection } from './page-hinkley.detector';
export { CUSUM, type CusumParams, type CusumState } from './cusum.detector';
export { KSWIN, type KswinParams, type KswinState, type StoredSeed } from './kswin.detector';
export { DDM, type DdmParams, type DdmState } from './ddm.detector';
export { EDDM, type EddmParams, type EddmState } from './eddm.detector';
export { HDDM_A, HDDM_A as HDDMA, type HddmAParams, type HddmAState } from './hddm-a.detector';
export { HDDM_W, HDDM_W as HDDMW, type HddmWParams, type HddmWState } from './hddm-w.detector';
export {
  DETECTOR_KINDS,
  createDetector,
  isBinaryDetectorKind,
  restoreDetector,
  type AnyDetector,
  type AnyDetectorState,
  type BinaryDetector,
  type DetectorKind,
  type RealValuedDetector,
} from './restore-detector';
export type { DetectorStateEnvelope, StoredNumber } from './detector-state.guard';
export type { DriftDetector, BinaryDriftAndWarningDetector, BinaryInput } from './drift-detector.contract';
export { DriftInputError, type DriftErrorCode } from './drift-input.error';
export { PythonRandom, type PythonRandomState, type PythonSeed } from './python-random.generator';
export { ksTwoSampleEqualSizes, KS_EXACT_MAX_N, type KsTwoSampleResult } from './kolmogorov-smirnov.statistic';
