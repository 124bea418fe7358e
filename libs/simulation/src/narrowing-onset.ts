import type { DetectionScore } from './audit-result';
import { mulberry32, sampleWithoutReplacement, stableHash } from '@chorus/random';
import type { Population } from './planted-population';
import { SimulationInputError } from './simulation-input.error';

/** Options of {@link planNarrowing}. */
export interface NarrowingOptions {
  /** Round (1-based) from which the planted users' taste is narrowed: their sessions of this round already use it. */
  readonly onsetRound: number;
  /** The one category their taste narrows onto. */
  readonly category: string;
  /** Share of the eligible users who narrow (the rest stay as planted: the stationary controls). Default 0.5. */
  readonly share?: number;
  /** Groups whose users are eligible. Default: every group. */
  readonly groups?: readonly string[];
  /** Seed of the draw of users. Default: the population's seed. */
  readonly seed?: number;
}

/** A planted narrowing onset: who narrows, onto what, from which round. */
export interface NarrowingSchedule {
  readonly domain: string;
  readonly onsetRound: number;
  readonly category: string;
  /** The planted users, in population order. */
  readonly userIds: readonly string[];
}

/** User-scope metrics a narrowing should move (DESIGN §5: category entropy of exposure and consumption, down). */
export const NARROWING_METRICS: readonly string[] = ['consumption-entropy', 'exposure-entropy'];

/**
 * Plans a narrowing onset (issue #12): a seeded draw of `share` of the eligible users whose taste, from `onsetRound`
 * on, is all `category` (every persona's profile becomes one-hot on it; see {@link applyNarrowing}). The draw comes
 * from its own stream, so planning does not move the population's session stream. Deterministic for its inputs.
 *
 * @throws SimulationInputError naming the option when the round, share, category or groups do not fit the population.
 */
export function planNarrowing(population: Population, options: NarrowingOptions): NarrowingSchedule {
  const share = options.share ?? 0.5;
  const fail = (message: string): never => {
    throw new SimulationInputError(message);
  };
  if (!Number.isInteger(options.onsetRound) || options.onsetRound < 1) fail(`onsetRound is ${options.onsetRound}; it must be an integer ≥ 1 (rounds count from 1)`);
  if (!population.categories.includes(options.category)) {
    fail(`category "${options.category}" is not one of the population's categories [${population.categories.join(', ')}]`);
  }
  if (!(share >= 0 && share <= 1)) fail(`share is ${share}; it must lie in [0, 1]`);
  const known = new Set(population.groups.map((group) => group.name));
  for (const group of options.groups ?? []) {
    if (!known.has(group)) fail(`group "${group}" is not one of the population's groups [${[...known].join(', ')}]`);
  }
  const eligible = population.users.filter((user) => options.groups === undefined || options.groups.includes(user.group));
  const seed = options.seed ?? population.options.seed;
  if (!Number.isInteger(seed)) fail(`seed is ${seed}; it must be an integer`);
  const random = mulberry32(stableHash(`narrowing:${seed}:${population.domain}:${options.category}`));
  const chosen = new Set(sampleWithoutReplacement(random, eligible, Math.round(share * eligible.length)).map((user) => user.id));
  return {
    domain: population.domain,
    onsetRound: options.onsetRound,
    category: options.category,
    userIds: population.users.filter((user) => chosen.has(user.id)).map((user) => user.id),
  };
}

/**
 * Applies a schedule at the start of `round`: at the onset, every planted user's personas become one-hot on the
 * category (from then on the truth — utilities, true profile, measures — is the narrowed taste). Before the onset and
 * after it nothing changes, so calling it at the start of every round is right. Mutates the population, as
 * susceptibility does. Returns how many users it narrowed this round.
 */
export function applyNarrowing(population: Population, schedule: NarrowingSchedule, round: number): number {
  if (round !== schedule.onsetRound) return 0;
  const g = population.categories.indexOf(schedule.category);
  if (population.domain !== schedule.domain || g < 0) {
    throw new SimulationInputError(`the schedule is for domain "${schedule.domain}" and category "${schedule.category}"; this population is "${population.domain}"`);
  }
  for (const userId of schedule.userIds) {
    const user = population.userById.get(userId);
    if (!user) throw new SimulationInputError(`the schedule names user "${userId}", who is not in the population`);
    for (const persona of user.personas) {
      persona.profile.fill(0);
      persona.profile[g] = 1;
    }
  }
  return schedule.userIds.length;
}

/** An alert as the scorer needs it: about whom, on which metric, in which round it arrived. */
export interface ScoredAlert {
  readonly round: number;
  readonly scope: string;
  readonly metric: string;
  readonly domain: string;
  readonly subject: string;
}

/** Input of {@link scoreDetection}. */
export interface DetectionInput {
  readonly domain: string;
  readonly policy: string;
  /** The planted onset in this domain, or undefined when nothing was planted. */
  readonly schedule: NarrowingSchedule | undefined;
  /** Every user watched in the domain (planted or not). */
  readonly userIds: readonly string[];
  /** Rounds run (1..rounds). */
  readonly rounds: number;
  readonly alerts: readonly ScoredAlert[];
  /** User metrics that count as a narrowing alert. Default {@link NARROWING_METRICS}. */
  readonly metrics?: readonly string[];
}

/**
 * Scores drift alerts against the planted truth. Only user-scope alerts in the domain on a narrowing metric count.
 * - Detection: a planted user with such an alert in a round ≥ the onset; the delay is its first such round − onset
 *   (0 = caught in the onset round).
 * - False alarm: such an alert on a user-round with nothing planted (an unplanted user, or a planted one before the
 *   onset), per 1,000 of those user-rounds.
 */
export function scoreDetection(input: DetectionInput): DetectionScore {
  if (!Number.isInteger(input.rounds) || input.rounds < 1) throw new SimulationInputError(`rounds is ${input.rounds}; it must be an integer ≥ 1`);
  const metrics = new Set(input.metrics ?? NARROWING_METRICS);
  const planted = new Set(input.schedule?.userIds ?? []);
  const onset = input.schedule?.onsetRound ?? Infinity;
  const firstDetection = new Map<string, number>();
  let falseAlarms = 0;
  for (const alert of input.alerts) {
    if (alert.scope !== 'user' || alert.domain !== input.domain || !metrics.has(alert.metric)) continue;
    if (planted.has(alert.subject) && alert.round >= onset) {
      const first = firstDetection.get(alert.subject);
      if (first === undefined || alert.round < first) firstDetection.set(alert.subject, alert.round);
    } else {
      falseAlarms += 1;
    }
  }
  const plantedUsers = planted.size;
  const plantedRoundsBeforeOnset = plantedUsers * Math.max(0, Math.min(onset, input.rounds + 1) - 1);
  const quietUserRounds = (input.userIds.length - plantedUsers) * input.rounds + plantedRoundsBeforeOnset;
  const delays = [...firstDetection.values()].map((round) => round - onset);
  return {
    domain: input.domain,
    policy: input.policy,
    plantedOnsetRound: input.schedule?.onsetRound,
    plantedUsers,
    detectedUsers: firstDetection.size,
    recall: input.schedule && plantedUsers > 0 ? firstDetection.size / plantedUsers : undefined,
    meanDelayRounds: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : undefined,
    falseAlarmsPer1000UserRounds: quietUserRounds > 0 ? (1000 * falseAlarms) / quietUserRounds : 0,
  };
}
