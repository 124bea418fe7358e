import type { AlertCount, AlertExposure } from './replay-report';

/**
 * The simulator's calibration of drift-watch's detectors, as `npm run audit` measured it (README, "the aggregation
 * audit": one run at the default size and `--repeats 3`, four policies each, 16 policy-runs in all; 100 news users +
 * 20 code users, 24 rounds; 15,200–15,500 events per policy-run). Recorded here because the MovieLens replay has no
 * planted truth of its own: its alerts can only be judged against how often the detectors cry wolf when nothing moves.
 */
export const AUDIT_CALIBRATION = {
  /** User narrowing alerts on users and rounds with nothing planted, per 1,000 user-rounds: the range over the 12
   * personalized policy-runs (pooled, personal, calibrated; aggregate-only raised none). */
  userFalseAlarmsPer1000UserRounds: { low: 0, typical: 2, high: 4.85 },
  /** Events per user-round in those runs: 15,400 events over 120 users × 24 rounds. */
  eventsPerUserRound: 15_400 / (120 * 24),
  /** Population narrowing alerts before the planted onset or on runs with nothing planted: none in 16 policy-runs. */
  populationFalseAlarms: 0,
  /** Quiet population buckets behind that zero: rounds 1–11 (before the onset at 12) of 16 runs, one 5-s bucket a round. */
  quietPopulationBuckets: 11 * 16,
} as const;

/** One scope's alerts against what noise alone would give at the calibrated false-alarm rates. */
export interface AlertNoiseRow {
  readonly scope: 'user' | 'population';
  readonly observed: number;
  /** What the alerts are counted against (watched user-events, population buckets). */
  readonly exposure: number;
  readonly exposureUnit: string;
  /** Alerts noise alone would raise: at the typical rate, and the low–high range of the calibrated rates. */
  readonly expectedNoise: { readonly low: number; readonly typical: number | null; readonly high: number };
  readonly verdict: 'none raised' | 'within noise' | 'above noise';
}

/**
 * The replay's user and population alerts against the simulator's calibration. User alerts: the calibrated rate per
 * 1,000 user-rounds becomes a rate per user-event (a user-round was ~5.3 events), times the user-events drift-watch
 * watched here. Population alerts: zero false alarms in 176 quiet buckets bounds the rate per bucket at 3/176 (the
 * rule of three, 95%), times the buckets drift-watch closed here. Alerts above the high end are called signal; at or
 * under it the calibration cannot tell them from noise.
 */
export function alertNoise(alerts: readonly AlertCount[], exposure: AlertExposure): AlertNoiseRow[] {
  const count = (scope: string) => alerts.filter((alert) => alert.scope === scope).reduce((sum, alert) => sum + alert.n, 0);
  const perEvent = (per1000Rounds: number) => (per1000Rounds / 1000 / AUDIT_CALIBRATION.eventsPerUserRound) * exposure.watchedUserEvents;
  const rate = AUDIT_CALIBRATION.userFalseAlarmsPer1000UserRounds;
  const user = { low: perEvent(rate.low), typical: perEvent(rate.typical), high: perEvent(rate.high) };
  const populationBound = (3 / AUDIT_CALIBRATION.quietPopulationBuckets) * exposure.populationBuckets;
  const population = { low: 0, typical: null, high: populationBound };
  const row = (scope: 'user' | 'population', observed: number, exposureCount: number, unit: string, expected: AlertNoiseRow['expectedNoise']): AlertNoiseRow => ({
    scope,
    observed,
    exposure: exposureCount,
    exposureUnit: unit,
    expectedNoise: expected,
    verdict: observed > expected.high ? 'above noise' : observed === 0 ? 'none raised' : 'within noise',
  });
  return [
    row('user', count('user'), exposure.watchedUserEvents, `user-events past the ${exposure.userMinEvents}-event gate`, user),
    row('population', count('population'), exposure.populationBuckets, `${exposure.bucketSeconds}-s buckets of event time`, population),
  ];
}

/** The verdict in sentences, with the numbers. */
export function alertNoiseReading(rows: readonly AlertNoiseRow[]): string[] {
  const c = AUDIT_CALIBRATION;
  return rows.map((row) => {
    if (row.observed === 0) return `${row.scope === 'user' ? 'User' : 'Population'} alerts: none over ${row.exposure.toLocaleString('en-US')} ${row.exposureUnit}.`;
    if (row.scope === 'user') {
      return (
        `User alerts: ${row.observed} over ${row.exposure.toLocaleString('en-US')} ${row.exposureUnit}. On stationary stretches the audit's detectors raised ` +
        `${c.userFalseAlarmsPer1000UserRounds.low}–${c.userFalseAlarmsPer1000UserRounds.high} false narrowing alarms per 1,000 user-rounds (typically ~${c.userFalseAlarmsPer1000UserRounds.typical}; ` +
        `a user-round was ${c.eventsPerUserRound.toFixed(1)} events), so noise alone would give ${row.expectedNoise.low.toFixed(0)}–${row.expectedNoise.high.toFixed(0)} here ` +
        `(typically ${row.expectedNoise.typical!.toFixed(0)}): ${row.verdict === 'within noise' ? 'these alerts are within what noise gives — read them as noise' : 'more than noise gives — some are signal'}.`
      );
    }
    return (
      `Population alerts: ${row.observed} over ${row.exposure.toLocaleString('en-US')} ${row.exposureUnit}. The audit saw ${c.populationFalseAlarms} false population alarms in ` +
      `${c.quietPopulationBuckets} quiet buckets, which bounds the false-alarm rate at ${((3 / c.quietPopulationBuckets) * 100).toFixed(1)}% of buckets (95%), ` +
      `up to ${row.expectedNoise.high.toFixed(0)} alarms here: ${
        row.verdict === 'within noise'
          ? 'the calibration cannot tell these from noise (176 quiet buckets are too few to bound the rate tighter), so they are not evidence of population drift'
          : 'more than even that bound allows — signal'
      }.`
    );
  });
}
