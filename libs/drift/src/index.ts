/**
 * @chorus/drift — streaming drift detectors whose semantics match River (online-ml/river, `river/drift/`), plus the
 * bit-exact CPython `random.Random` port used to reproduce River's seeded examples. Pure TypeScript, no framework.
 */
export { ADWIN, type AdwinParams } from './adwin.detector';
export { PageHinkley, type PageHinkleyParams, type ChangeDirection } from './page-hinkley.detector';
export { CUSUM, type CusumParams } from './cusum.detector';
export { KSWIN, type KswinParams } from './kswin.detector';
export { DDM, type DdmParams } from './ddm.detector';
export { EDDM, type EddmParams } from './eddm.detector';
export { HDDM_A, HDDM_A as HDDMA, type HddmAParams } from './hddm-a.detector';
export { HDDM_W, HDDM_W as HDDMW, type HddmWParams } from './hddm-w.detector';
export type { DriftDetector, BinaryDriftAndWarningDetector, BinaryInput } from './drift-detector.contract';
export { DriftInputError, type DriftErrorCode } from './drift-input.error';
export { PythonRandom, type PythonSeed } from './python-random.generator';
export { ksTwoSampleEqualSizes, KS_EXACT_MAX_N, type KsTwoSampleResult } from './kolmogorov-smirnov.statistic';
