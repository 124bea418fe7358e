import { mulberry32, sampleWithoutReplacement, stableHash } from '@chorus/random';
import type { Population, SimulatedItem, SimulatedUser } from './planted-population';
import { simulateSession, type ChoiceOptions, type Session } from './choice.model';
import type { PolicyFactory } from './serving.policy';
import { consumptionEntropy, neighbourHomogenization, populationHomogenization } from './homogenization.measures';
import { SimulationInputError } from './simulation-input.error';
import {
  exposureGini,
  listCategoryEntropy,
  listRegret,
  listStanceReinforcement,
  minorityShareOfList,
  stanceExtremityChange,
  trueAuc,
  trueCalibrationKl,
  truePolarization,
} from './truth.measures';

/** Options of {@link runOffline}. */
export interface OfflineRunOptions {
  readonly rounds: number;
  /** Served list length n. Default 10. */
  readonly listLength?: number;
  /** Candidates drawn at random from the catalogue per user and round (the retrieval step). Default 40. */
  readonly candidateCount?: number;
  /** First rounds served as a random order of the candidates (cold-start exploration). Default 0. */
  readonly warmupRounds?: number;
  /** Measure AUC against the truth every this many rounds (it scores the whole catalogue per user). Default 1; 0 = never. */
  readonly aucEvery?: number;
  /** Start of simulated time; round r happens a day after round r − 1. Default 2026-01-01T00:00:00Z. */
  readonly startAt?: Date;
  /** Passed to the choice model. */
  readonly choice?: Omit<ChoiceOptions, 'occurredAt' | 'listId'>;
  /** Sees every session (tests collect events; the live audit posts them). */
  readonly onSession?: (session: Session, round: number, list: readonly string[]) => void;
}

/** Per-group means of one round's truth-side measures. */
export interface GroupRoundMeasures {
  readonly users: number;
  /** Mean regret of the served list against the best n candidates (true utility). */
  readonly regret: number;
  /** Mean AUC of the policy's scores against the users' true preferences; undefined in rounds without AUC. */
  readonly auc: number | undefined;
  /** Mean list share of the users' true minority interests, over users who have one (undefined if none). */
  readonly minorityShare: number | undefined;
  /** The same users' mean true share of those interests. */
  readonly trueMinorityShare: number | undefined;
  /** Mean Steck C_KL of the served list against the true profile. */
  readonly calibrationKl: number;
  /** Mean normalised category entropy of the served lists. */
  readonly exposureEntropy: number;
  /** Mean of s_i · s_u over served items. */
  readonly stanceReinforcement: number;
  /** Mean |s_u| − |s_u at planting|. */
  readonly stanceExtremityChange: number;
  /** Consumptions per user in the round. */
  readonly consumption: number;
  /** Mean normalised category entropy of what users consumed in the round, over users who consumed something. */
  readonly consumptionEntropy: number | undefined;
  /**
   * Mean Jaccard index of a user's consumed set so far with their true-taste nearest neighbour's (Chaney et al. 2018's
   * homogenization), over users where either has consumed something; 0 when none has.
   */
  readonly homogenization: number;
}

export interface RoundMeasures {
  readonly round: number;
  readonly groups: Readonly<Record<string, GroupRoundMeasures>>;
  /** Esteban–Ray polarization of the users' true stances after the round. */
  readonly polarization: number;
  /** Gini of the round's exposure counts over the catalogue. */
  readonly exposureGini: number;
  /** Mean Jaccard index of consumed sets so far over random pairs of users (everyone pushed onto the same items). */
  readonly homogenization: number;
}

export interface OfflineRun {
  readonly policy: string;
  readonly rounds: RoundMeasures[];
  readonly events: number;
}

/**
 * The offline closed loop (DESIGN §9): each round every user gets `candidateCount` random candidates, the policy serves
 * n of them, the choice model answers with chorus.feedback.v1 events, the policy learns them, and the round's
 * truth-side measures are recorded per planted group. Choices are drawn from `population.random` and candidates from a
 * stream per (seed, round, user), so a seed fixes the whole run and every policy sees the same candidates. The population is consumed (tastes and stances move when susceptible): plant one per policy.
 *
 * @throws SimulationInputError on a bad option or a policy that serves something other than n distinct candidates.
 */
export function runOffline(population: Population, policyFactory: PolicyFactory, options: OfflineRunOptions): OfflineRun {
  const listLength = options.listLength ?? 10;
  const candidateCount = options.candidateCount ?? 40;
  const warmupRounds = options.warmupRounds ?? 0;
  const aucEvery = options.aucEvery ?? 1;
  const startAt = (options.startAt ?? new Date('2026-01-01T00:00:00Z')).getTime();
  checkOptions(population, options.rounds, listLength, candidateCount, warmupRounds, aucEvery);
  const policy = policyFactory(population);
  const rounds: RoundMeasures[] = [];
  const consumed = new Map<string, Set<string>>();
  let events = 0;

  for (let round = 0; round < options.rounds; round++) {
    const exposures = new Float64Array(population.items.length);
    const perUser: { user: SimulatedUser; measures: UserRoundMeasures }[] = [];
    for (const user of population.users) {
      // Candidates come from a stream of their own per (seed, round, user): every policy run on the same seed offers each
      // user the same candidates each round (common random numbers), so policies differ by what they choose, not by luck.
      const candidates = sampleWithoutReplacement(mulberry32(stableHash(`${population.options.seed}:${round}:${user.id}`)), population.items, candidateCount);
      const list =
        round < warmupRounds
          ? candidates.slice(0, listLength).map((item) => item.id)
          : policy.serve(user, candidates, listLength);
      checkList(policy.name, list, candidates, listLength);
      // Measured on the list as served, before the session moves the user's taste.
      const measures = measureServedList(population, user, list, candidates);
      const session = simulateSession(population, user, list, {
        ...options.choice,
        occurredAt: new Date(startAt + round * 86_400_000 + user.index * 1000),
        listId: `sim-l-${round}-${user.index}`,
      });
      options.onSession?.(session, round, list);
      policy.learn(session.events);
      events += session.events.length;
      for (const itemId of list) exposures[population.itemById.get(itemId)!.index]! += 1;
      perUser.push({ user, measures: { ...measures, ...sessionMeasures(population, session, consumed) } });
    }
    const withAuc = aucEvery > 0 && (round + 1) % aucEvery === 0;
    const aucOf = withAuc ? (user: SimulatedUser) => trueAuc(population, user, (item) => policy.score(user, item)) : undefined;
    rounds.push(summarizeRound(population, round, perUser, aucOf, exposures, consumed));
  }
  return { policy: policy.name, rounds, events };
}

/** One user's measures of one served list (see {@link measureServedList}), plus what they consumed from it. */
export interface UserRoundMeasures {
  regret: number;
  minority: { list: number; truth: number } | undefined;
  calibrationKl: number;
  exposureEntropy: number;
  stanceReinforcement: number;
  consumption: number;
  /** Normalised category entropy of the consumed items; undefined when nothing was consumed. */
  consumptionEntropy: number | undefined;
}

/** What a session consumed, measured: how many items, their category entropy. */
export type SessionMeasures = Pick<UserRoundMeasures, 'consumption' | 'consumptionEntropy'>;

/**
 * The consumption side of one session, and its items added to the user's consumed set in `consumed` (the sets
 * homogenization compares). The offline loop and the live audit both use it.
 */
export function sessionMeasures(population: Population, session: Session, consumed: Map<string, Set<string>>): SessionMeasures {
  let set = consumed.get(session.userId);
  if (!set) consumed.set(session.userId, (set = new Set()));
  for (const itemId of session.chosen) set.add(itemId);
  return { consumption: session.chosen.length, consumptionEntropy: consumptionEntropy(population, session.chosen) };
}

/**
 * The truth-side measures of one served list, taken before the session (which may move the user's taste): regret
 * against the best n of `candidates` (what could have been served), minority share and C_KL against the true profile,
 * category entropy, stance reinforcement. The offline loop and the live audit both use it.
 */
export function measureServedList(population: Population, user: SimulatedUser, list: readonly string[], candidates: readonly SimulatedItem[]): Omit<UserRoundMeasures, keyof SessionMeasures> {
  return {
    regret: listRegret(population, user, list, { candidates }),
    minority: minorityShareOfList(population, user, list),
    calibrationKl: trueCalibrationKl(population, user, list),
    exposureEntropy: listCategoryEntropy(population, list),
    stanceReinforcement: listStanceReinforcement(population, user, list),
  };
}

/**
 * A round's measures from its users' lists: per planted group the means of {@link measureServedList}'s and
 * {@link sessionMeasures}' figures, AUC of the model's scores against the truth when `aucOf` is given, the change in
 * true stance extremity, homogenization with true-taste neighbours; over the population the Esteban–Ray polarization
 * of true stances, the Gini of `exposures` (served count per item index) and homogenization over random pairs.
 * `consumed` holds every user's consumed set so far (after this round).
 */
export function summarizeRound(
  population: Population,
  round: number,
  perUser: readonly { user: SimulatedUser; measures: UserRoundMeasures }[],
  aucOf: ((user: SimulatedUser) => number) | undefined,
  exposures: ArrayLike<number>,
  consumed: ReadonlyMap<string, ReadonlySet<string>>,
): RoundMeasures {
  const groups: Record<string, GroupRoundMeasures> = {};
  const neighbourJaccard = neighbourHomogenization(population, consumed);
  for (const group of population.groups) {
    const members = perUser.filter(({ user }) => user.group === group.name);
    const withMinority = members.filter(({ measures }) => measures.minority !== undefined);
    const entropies = members.map(({ measures }) => measures.consumptionEntropy).filter((h): h is number => h !== undefined);
    const jaccards = members.map(({ user }) => neighbourJaccard.get(user.id)).filter((j): j is number => j !== undefined);
    groups[group.name] = {
      users: members.length,
      regret: mean(members.map(({ measures }) => measures.regret)),
      auc: aucOf ? mean(members.map(({ user }) => aucOf(user))) : undefined,
      minorityShare: withMinority.length ? mean(withMinority.map(({ measures }) => measures.minority!.list)) : undefined,
      trueMinorityShare: withMinority.length ? mean(withMinority.map(({ measures }) => measures.minority!.truth)) : undefined,
      calibrationKl: mean(members.map(({ measures }) => measures.calibrationKl)),
      exposureEntropy: mean(members.map(({ measures }) => measures.exposureEntropy)),
      stanceReinforcement: mean(members.map(({ measures }) => measures.stanceReinforcement)),
      stanceExtremityChange: mean(members.map(({ user }) => stanceExtremityChange(user))),
      consumption: mean(members.map(({ measures }) => measures.consumption)),
      consumptionEntropy: entropies.length ? mean(entropies) : undefined,
      homogenization: mean(jaccards),
    };
  }
  return {
    round,
    groups,
    polarization: truePolarization(population.users),
    exposureGini: exposureGini(exposures),
    homogenization: populationHomogenization(population, consumed),
  };
}

/** Mean of a non-empty list; NaN for an empty group would poison every chart, so an empty group reads 0 users and 0. */
function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function checkList(policy: string, list: readonly string[], candidates: readonly SimulatedItem[], n: number): void {
  const allowed = new Set(candidates.map((item) => item.id));
  const expected = Math.min(n, candidates.length);
  if (list.length !== expected || new Set(list).size !== list.length || list.some((id) => !allowed.has(id))) {
    throw new SimulationInputError(
      `policy "${policy}" served [${list.join(', ')}]; it must serve ${expected} distinct items from the candidates it was given`,
    );
  }
}

function checkOptions(population: Population, rounds: number, listLength: number, candidateCount: number, warmupRounds: number, aucEvery: number): void {
  const fail = (message: string): never => {
    throw new SimulationInputError(message);
  };
  if (!Number.isInteger(rounds) || rounds < 1) fail(`rounds is ${rounds}; it must be an integer ≥ 1`);
  if (!Number.isInteger(listLength) || listLength < 1) fail(`listLength is ${listLength}; it must be an integer ≥ 1`);
  if (!Number.isInteger(candidateCount) || candidateCount < listLength || candidateCount > population.items.length) {
    fail(`candidateCount is ${candidateCount}; it must be an integer between listLength (${listLength}) and the catalogue size (${population.items.length})`);
  }
  if (!Number.isInteger(warmupRounds) || warmupRounds < 0) fail(`warmupRounds is ${warmupRounds}; it must be an integer ≥ 0`);
  if (!Number.isInteger(aucEvery) || aucEvery < 0) fail(`aucEvery is ${aucEvery}; it must be an integer ≥ 0 (0 = never)`);
}
