import type { DriftAlertV1 } from '@chorus/contracts';
import type { AlertCandidate } from '../engine/drift-state';

/** A valid drift alert with id n (a UUID), for the repository specs; fields overridable. */
export function driftAlert(n: number, overrides: Partial<DriftAlertV1> = {}): DriftAlertV1 {
  return {
    alertId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    scope: 'user',
    subject: 'ann',
    domain: 'movies',
    metric: 'miscalibration',
    detector: 'ADWIN',
    direction: 'up',
    value: 0.5,
    baseline: 0.25,
    severity: 'warning',
    window: { start: '2026-11-27T10:00:00.000Z', end: '2026-11-27T11:00:00.000Z', observations: 40 },
    configVersion: 0,
    raisedAt: '2026-11-27T11:00:00.000Z',
    rerankRequested: true,
    ...overrides,
  };
}

/** The alert as the engine hands it to a commit: detected at event time `eventAt`. */
export function alertCandidate(alert: DriftAlertV1, eventAt: string, source = 'feedback:0:1'): AlertCandidate {
  return { alert, eventAtMs: Date.parse(eventAt), source };
}
