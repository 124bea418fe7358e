import { ADWIN, type AdwinState } from './adwin.detector';
import { CUSUM, type CusumState } from './cusum.detector';
import { DDM, type DdmState } from './ddm.detector';
import { invalidState } from './detector-state.guard';
import { EDDM, type EddmState } from './eddm.detector';
import { HDDM_A, type HddmAState } from './hddm-a.detector';
import { HDDM_W, type HddmWState } from './hddm-w.detector';
import { KSWIN, type KswinState } from './kswin.detector';
import { PageHinkley, type PageHinkleyState } from './page-hinkley.detector';

/** Every detector this library serialises, by the `kind` its `toJSON()` writes. */
export const DETECTOR_KINDS = ['ADWIN', 'PageHinkley', 'CUSUM', 'KSWIN', 'DDM', 'EDDM', 'HDDM_A', 'HDDM_W'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** Detectors of real values (`update(x: number)`). */
export type RealValuedDetector = ADWIN | PageHinkley | CUSUM | KSWIN;
/** Detectors of bits (`update(x: 0 | 1 | boolean)`, 1 = error) that also warn. */
export type BinaryDetector = DDM | EDDM | HDDM_A | HDDM_W;
export type AnyDetector = RealValuedDetector | BinaryDetector;
export type AnyDetectorState = AdwinState | PageHinkleyState | CusumState | KswinState | DdmState | EddmState | HddmAState | HddmWState;

/** Whether a detector kind takes bits (DDM, EDDM, HDDM_A, HDDM_W) rather than real values. */
export function isBinaryDetectorKind(kind: DetectorKind): boolean {
  return kind === 'DDM' || kind === 'EDDM' || kind === 'HDDM_A' || kind === 'HDDM_W';
}

/**
 * Builds a detector by kind with River's (camelCased) parameters — the constructor validates them and throws
 * `DriftInputError` (`DRIFT.INVALID_PARAMETER`, naming detector, parameter and accepted domain) if one is out of range.
 * For configuration-driven callers; code that knows the detector should call its constructor.
 */
export function createDetector(kind: DetectorKind, params: Readonly<Record<string, unknown>> = {}): AnyDetector {
  const p = params as Record<string, never>;
  switch (kind) {
    case 'ADWIN':
      return new ADWIN(p);
    case 'PageHinkley':
      return new PageHinkley(p);
    case 'CUSUM':
      return new CUSUM(p);
    case 'KSWIN':
      return new KSWIN(p);
    case 'DDM':
      return new DDM(p);
    case 'EDDM':
      return new EDDM(p);
    case 'HDDM_A':
      return new HDDM_A(p);
    case 'HDDM_W':
      return new HDDM_W(p);
    default:
      throw invalidState('createDetector', `unknown detector kind ${JSON.stringify(kind)}; use one of ${DETECTOR_KINDS.join(', ')}`);
  }
}

/**
 * Restores any detector from its `toJSON()` output, dispatching on `kind`. The restored detector continues exactly as
 * the serialised one would have: same flags on the same inputs, same state afterwards. Throws `DriftInputError`
 * (`DRIFT.INVALID_STATE`) for a malformed state, or `DRIFT.INVALID_PARAMETER` if the stored parameters are invalid.
 */
export function restoreDetector(state: unknown): AnyDetector {
  const kind = typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'ADWIN':
      return ADWIN.fromJSON(state);
    case 'PageHinkley':
      return PageHinkley.fromJSON(state);
    case 'CUSUM':
      return CUSUM.fromJSON(state);
    case 'KSWIN':
      return KSWIN.fromJSON(state);
    case 'DDM':
      return DDM.fromJSON(state);
    case 'EDDM':
      return EDDM.fromJSON(state);
    case 'HDDM_A':
      return HDDM_A.fromJSON(state);
    case 'HDDM_W':
      return HDDM_W.fromJSON(state);
    default:
      throw invalidState('restoreDetector', `field "kind" must be one of ${DETECTOR_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
}
