import type { FeedbackEventV1 } from '@chorus/contracts';
import { gaussian, gumbel, mulberry32, randomIndex, seededUuid, stableHash } from '@chorus/random';
import type { Population, SimulatedUser, UserPersona } from './planted-population';
import { SimulationInputError } from './simulation-input.error';
import { examinationProbability, itemOf, personaUtility } from './truth.measures';

/** Options of {@link simulateSession}. */
export interface ChoiceOptions {
  /** When the session happens; its events are stamped at this time plus 1 ms each. */
  readonly occurredAt: Date;
  /** Ties the feedback to the exposure (a valid external id). */
  readonly listId?: string;
  /**
   * How examined items are chosen. `position-based` (default): each examined item is consumed independently when
   * u_k(i) + logistic noise > 0, i.e. with probability σ(u_k(i)) — the position-based click model (Craswell et al.
   * 2008). `multinomial`: one choice among the examined items and an outside option of utility 0 by Gumbel noise
   * (multinomial logit, McFadden 1974), repeated up to maxChoices times.
   */
  readonly choiceRule?: 'position-based' | 'multinomial';
  /** Under `multinomial`: items consumed at most per session (the outside option can end it earlier). Default 1. */
  readonly maxChoices?: number;
  /** Probability that a consumed item is also rated (1..5). Default 0.3. */
  readonly ratingRate?: number;
  /** Standard deviation of the rating noise, in utility units. Default 0.5. */
  readonly ratingNoise?: number;
  /** Probability that a session with ≥ 2 examined items also yields one pairwise judgment. Default 0.2. */
  readonly pairwiseRate?: number;
  /** Logit added to the item shown first in a pair (the planted position bias of judgments, issue #15). Default 0. */
  readonly pairwisePositionBias?: number;
  /** Framing ids a pair can be asked under; recorded as context.framingId. Default none. */
  readonly framings?: readonly string[];
  /** Spread (sd, in utility units) of a constructed preference's framing effect. Default 2. */
  readonly framingEffect?: number;
  /** Recorded as context.surface. Default "simulation". */
  readonly surface?: string;
}

/** What one user did with one served list. */
export interface Session {
  readonly userId: string;
  /** The persona that chose in this session. */
  readonly persona: string;
  /** 0-based ranks the user looked at. */
  readonly examinedRanks: number[];
  /** Consumed item ids, in the order chosen. */
  readonly chosen: string[];
  /** chorus.feedback.v1 events: a click or a skip per examined item in rank order, then ratings, then a pairwise. */
  readonly events: FeedbackEventV1[];
}

/**
 * One user's session with a served list (DESIGN §9), drawn from `population.random`:
 *
 * 1. a persona k is drawn by the user's mix (a 70/30 user chooses as persona A in 70% of sessions);
 * 2. rank r is examined with probability e(r) = 1/log2(r + 2) (position bias; {@link examinationProbability});
 * 3. position-based (default): each examined item is consumed with probability σ(u_k(i)) (utility plus standard
 *    logistic noise above 0); multinomial: the examined item with the largest u_k(i) + Gumbel noise is consumed unless
 *    the outside option (0 + Gumbel) is larger, repeated up to maxChoices times;
 * 4. each examined item becomes a `click` (consumed) or a `skip` with `context.position` = its rank; a consumed item is
 *    rated with probability ratingRate (1..5, round(3 + u_k(i) + N(0, ratingNoise²)) clipped); with probability
 *    pairwiseRate two examined items are judged as a pair, the better-ranked shown first (`context.position` = the
 *    chosen item's shown position, 0 or 1);
 * 5. susceptibility ρ: each consumed item i pulls the choosing persona's profile and the user's stance toward itself,
 *    p_k ← (1 − ρ) p_k + ρ w_i and s_u ← s_u + ρ (s_i − s_u) — the feedback loop that builds echo chambers.
 *
 * Pairwise judgments follow the user's planted label behaviour (issue #15): `genuine` P(a ≻ b) = σ(u_k(a) − u_k(b) + β),
 * `non-attitude` σ(β) whatever the items, `constructed` as genuine plus a framing effect per (user, item, framing) with
 * sd `framingEffect`, the same every time that framing is used; β the pairwisePositionBias toward the first shown.
 *
 * @throws SimulationInputError on an empty or repeated list, an unknown item, or a bad option.
 */
export function simulateSession(
  population: Population,
  user: SimulatedUser,
  list: readonly string[],
  options: ChoiceOptions,
): Session {
  const choiceRule = options.choiceRule ?? 'position-based';
  const maxChoices = options.maxChoices ?? 1;
  const ratingRate = options.ratingRate ?? 0.3;
  const ratingNoise = options.ratingNoise ?? 0.5;
  const pairwiseRate = options.pairwiseRate ?? 0.2;
  const positionBias = options.pairwisePositionBias ?? 0;
  const framings = options.framings ?? [];
  const framingEffect = options.framingEffect ?? 2;
  const surface = options.surface ?? 'simulation';
  if (choiceRule !== 'position-based' && choiceRule !== 'multinomial') {
    throw new SimulationInputError(`choiceRule is ${JSON.stringify(choiceRule)}; use "position-based" or "multinomial"`);
  }
  checkOptions(list, maxChoices, ratingRate, pairwiseRate, ratingNoise, framingEffect, positionBias);
  const items = list.map((itemId) => itemOf(population, itemId));
  const random = population.random;

  const persona = drawPersona(random, user);
  const examinedRanks: number[] = [];
  for (let rank = 0; rank < items.length; rank++) if (random() < examinationProbability(rank)) examinedRanks.push(rank);

  const utilities = items.map((item) => personaUtility(population, user, persona, item));
  const remaining = new Set(examinedRanks);
  const chosenRanks: number[] = [];
  if (choiceRule === 'position-based') {
    for (const rank of examinedRanks) if (random() < sigmoid(utilities[rank]!)) chosenRanks.push(rank);
  }
  while (choiceRule === 'multinomial' && chosenRanks.length < maxChoices && remaining.size > 0) {
    let best = -1;
    let bestValue = gumbel(random); // the outside option: utility 0
    for (const rank of remaining) {
      const value = utilities[rank]! + gumbel(random);
      if (value > bestValue) (best = rank), (bestValue = value);
    }
    if (best < 0) break;
    chosenRanks.push(best);
    remaining.delete(best);
  }

  let tick = options.occurredAt.getTime();
  const base = () => ({
    eventId: seededUuid(population.eventIdRandom),
    userId: user.id,
    occurredAt: new Date(tick++).toISOString(),
    domain: population.domain,
    ...(options.listId === undefined ? {} : { listId: options.listId }),
  });
  const events: FeedbackEventV1[] = [];
  for (const rank of examinedRanks) {
    const type = chosenRanks.includes(rank) ? 'click' : 'skip';
    events.push({ ...base(), type, itemId: items[rank]!.id, context: { surface, position: rank } });
  }
  for (const rank of chosenRanks) {
    if (random() >= ratingRate) continue;
    const value = Math.min(5, Math.max(1, Math.round(3 + utilities[rank]! + ratingNoise * gaussian(random))));
    events.push({ ...base(), type: 'rating', itemId: items[rank]!.id, value, scale: { min: 1, max: 5 }, context: { surface, position: rank } });
  }
  if (examinedRanks.length >= 2 && random() < pairwiseRate) {
    const i = randomIndex(random, examinedRanks.length);
    const j = (i + 1 + randomIndex(random, examinedRanks.length - 1)) % examinedRanks.length;
    const [first, second] = [examinedRanks[Math.min(i, j)]!, examinedRanks[Math.max(i, j)]!];
    const framingId = framings.length > 0 ? framings[randomIndex(random, framings.length)]! : undefined;
    const margin = judgmentMargin(user, items[first]!.id, items[second]!.id, utilities[first]! - utilities[second]!, framingId, framingEffect);
    const firstWins = random() < sigmoid(margin + positionBias);
    const [chosen, rejected] = firstWins ? [first, second] : [second, first];
    events.push({
      ...base(),
      type: 'pairwise',
      chosenId: items[chosen]!.id,
      rejectedId: items[rejected]!.id,
      context: { surface, position: firstWins ? 0 : 1, order: 0, ...(framingId === undefined ? {} : { framingId }) },
    });
  }

  const rho = population.options.susceptibility;
  if (rho > 0) {
    for (const rank of chosenRanks) {
      const item = items[rank]!;
      for (let g = 0; g < persona.profile.length; g++) persona.profile[g] = (1 - rho) * persona.profile[g]! + rho * item.weights[g]!;
      if (item.stance !== undefined) user.stance = Math.max(-1, Math.min(1, user.stance + rho * (item.stance - user.stance)));
    }
  }

  return { userId: user.id, persona: persona.taste, examinedRanks, chosen: chosenRanks.map((rank) => items[rank]!.id), events };
}

function drawPersona(random: () => number, user: SimulatedUser): UserPersona {
  let u = random();
  for (const persona of user.personas) {
    u -= persona.weight;
    if (u < 0) return persona;
  }
  return user.personas[user.personas.length - 1]!;
}

/** The utility margin behind a judgment of `first` over `second`, by the user's planted label behaviour. */
function judgmentMargin(
  user: SimulatedUser,
  firstId: string,
  secondId: string,
  utilityMargin: number,
  framingId: string | undefined,
  framingEffect: number,
): number {
  switch (user.labelBehaviour) {
    case 'genuine':
      return utilityMargin;
    case 'non-attitude':
      return 0;
    case 'constructed': {
      const framing = framingId ?? 'default';
      const effect = (itemId: string) => framingEffect * standardNormalFromHash(stableHash(`${user.id}\u0001${itemId}\u0001${framing}`));
      return utilityMargin + effect(firstId) - effect(secondId);
    }
  }
}

/**
 * A standard normal value fixed by a 32-bit key. The key seeds its own mulberry32 stream: FNV-1a alone mixes a last
 * character only into the higher bits, which would make "framing x" and "framing y" nearly the same draw.
 */
function standardNormalFromHash(hash: number): number {
  return gaussian(mulberry32(hash));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function checkOptions(list: readonly string[], maxChoices: number, ratingRate: number, pairwiseRate: number, ratingNoise: number, framingEffect: number, positionBias: number): void {
  const fail = (message: string): never => {
    throw new SimulationInputError(message);
  };
  if (list.length === 0) fail('the served list is empty; serve at least one item');
  if (new Set(list).size !== list.length) fail(`the served list repeats an item (${list.join(', ')}); serve each item once`);
  if (!Number.isInteger(maxChoices) || maxChoices < 1) fail(`maxChoices is ${maxChoices}; it must be an integer ≥ 1`);
  if (!(ratingRate >= 0 && ratingRate <= 1)) fail(`ratingRate is ${ratingRate}; it must lie in [0, 1]`);
  if (!(pairwiseRate >= 0 && pairwiseRate <= 1)) fail(`pairwiseRate is ${pairwiseRate}; it must lie in [0, 1]`);
  if (!(ratingNoise >= 0) || !Number.isFinite(ratingNoise)) fail(`ratingNoise is ${ratingNoise}; it must be a finite number ≥ 0`);
  if (!(framingEffect >= 0) || !Number.isFinite(framingEffect)) fail(`framingEffect is ${framingEffect}; it must be a finite number ≥ 0`);
  if (!Number.isFinite(positionBias)) fail(`pairwisePositionBias is ${positionBias}; it must be a finite number`);
}
