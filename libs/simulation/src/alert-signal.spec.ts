import { describe, expect, it } from 'vitest';
import { scoreAlertSignal } from './alert-signal';
import type { NarrowingSchedule, ScoredAlert } from './narrowing-onset';
import { SimulationInputError } from './simulation-input.error';

const schedule: NarrowingSchedule = { domain: 'news', onsetRound: 5, category: 'drama', userIds: ['p1', 'p2'] };
const alert = (round: number, scope: string, metric: string, subject: string, domain = 'news'): ScoredAlert => ({ round, scope, metric, subject, domain });

describe('scoreAlertSignal', () => {
  // Counted by hand from the alerts listed.
  const alerts: ScoredAlert[] = [
    alert(6, 'user', 'consumption-entropy', 'p1'), // true, delay 1
    alert(8, 'user', 'exposure-entropy', 'p2'), // true
    alert(3, 'user', 'consumption-entropy', 'p1'), // planted user before the onset: false
    alert(7, 'user', 'exposure-entropy', 'q1'), // unplanted user: false
    alert(7, 'user', 'miscalibration', 'p1'), // another metric: unscored
    alert(6, 'user', 'consumption-entropy', 'p1', 'code'), // another domain: not counted
    alert(2, 'population', 'mean-exposure-entropy', 'news'), // before the onset: false
    alert(9, 'population', 'mean-consumption-entropy', 'news'), // true, delay 4
    alert(4, 'population', 'exposure-gini', 'news'), // unscored
  ];

  it('judges each scope’s alerts on narrowing metrics against the planted users and onset, and counts the rest as unscored', () => {
    expect(scoreAlertSignal({ domain: 'news', policy: 'pooled', schedule, alerts })).toEqual([
      { domain: 'news', policy: 'pooled', scope: 'user', plantedOnsetRound: 5, trueAlerts: 2, falseAlarms: 2, unscored: 1, precision: 0.5, firstDelayRounds: 1 },
      { domain: 'news', policy: 'pooled', scope: 'population', plantedOnsetRound: 5, trueAlerts: 1, falseAlarms: 1, unscored: 1, precision: 0.5, firstDelayRounds: 4 },
    ]);
  });

  it('calls every narrowing alert false where nothing was planted, and lists segments only when one alerted', () => {
    const signal = scoreAlertSignal({ domain: 'news', policy: 'pooled', schedule: undefined, alerts: [...alerts, alert(3, 'segment', 'mean-exposure-entropy', 'fans')] });
    expect(signal.map((s) => [s.scope, s.trueAlerts, s.falseAlarms, s.unscored, s.precision, s.firstDelayRounds])).toEqual([
      ['user', 0, 4, 1, 0, undefined],
      ['population', 0, 2, 1, 0, undefined],
      ['segment', 0, 0, 1, undefined, undefined],
    ]);
  });

  it('has no precision without alerts, and refuses a schedule of another domain', () => {
    expect(scoreAlertSignal({ domain: 'news', policy: 'p', schedule, alerts: [] }).map((s) => s.precision)).toEqual([undefined, undefined]);
    expect(() => scoreAlertSignal({ domain: 'code', policy: 'p', schedule, alerts })).toThrow(SimulationInputError);
  });
});
