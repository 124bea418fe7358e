import type { AlertSignal } from './audit-result';
import { NARROWING_METRICS, type NarrowingSchedule, type ScoredAlert } from './narrowing-onset';
import { SimulationInputError } from './simulation-input.error';

/** Population-scope metrics a planted narrowing should move: the population means of the users' entropies, down. */
export const POPULATION_NARROWING_METRICS: readonly string[] = ['mean-consumption-entropy', 'mean-exposure-entropy'];

/** Input of {@link scoreAlertSignal}. */
export interface AlertSignalInput {
  readonly domain: string;
  readonly policy: string;
  /** The planted onset in this domain, or undefined when nothing was planted. */
  readonly schedule: NarrowingSchedule | undefined;
  readonly alerts: readonly ScoredAlert[];
}

/**
 * Signal against noise of a run's alerts in one domain, per scope, against what was planted:
 * - user scope, on a narrowing metric ({@link NARROWING_METRICS}): true when the user was planted to narrow and the
 *   alert came at or after the onset; a false alarm otherwise (an unplanted user, or before the onset);
 * - population scope, on a population narrowing metric ({@link POPULATION_NARROWING_METRICS}): true at or after a
 *   planted onset in the domain (the narrowed users move the population's mean); a false alarm before it, or in a
 *   domain with nothing planted;
 * - any other alert (another metric, segment scope) is counted as unscored: nothing planted says whether it is right.
 * The delay is the first true alert's round minus the onset (0 = the onset round). One entry per scope, user first.
 */
export function scoreAlertSignal(input: AlertSignalInput): AlertSignal[] {
  const onset = input.schedule?.onsetRound;
  if (input.schedule && input.schedule.domain !== input.domain) {
    throw new SimulationInputError(`the schedule is for domain "${input.schedule.domain}", not "${input.domain}"; score each domain with its own schedule`);
  }
  const planted = new Set(input.schedule?.userIds ?? []);
  const scopes = ['user', 'population', 'segment'] as const;
  return scopes
    .map((scope) => {
      const metrics = scope === 'user' ? NARROWING_METRICS : scope === 'population' ? POPULATION_NARROWING_METRICS : [];
      let trueAlerts = 0;
      let falseAlarms = 0;
      let unscored = 0;
      let firstTrueRound: number | undefined;
      for (const alert of input.alerts) {
        if (alert.scope !== scope || alert.domain !== input.domain) continue;
        if (!metrics.includes(alert.metric)) {
          unscored += 1;
          continue;
        }
        const afterOnset = onset !== undefined && alert.round >= onset;
        const isTrue = afterOnset && (scope === 'population' || planted.has(alert.subject));
        if (isTrue) {
          trueAlerts += 1;
          if (firstTrueRound === undefined || alert.round < firstTrueRound) firstTrueRound = alert.round;
        } else falseAlarms += 1;
      }
      return {
        domain: input.domain,
        policy: input.policy,
        scope,
        plantedOnsetRound: onset,
        trueAlerts,
        falseAlarms,
        unscored,
        precision: trueAlerts + falseAlarms > 0 ? trueAlerts / (trueAlerts + falseAlarms) : undefined,
        firstDelayRounds: firstTrueRound === undefined || onset === undefined ? undefined : firstTrueRound - onset,
      };
    })
    .filter((signal) => signal.scope !== 'segment' || signal.unscored > 0);
}
