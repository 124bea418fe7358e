import { modelVersion, normaliseCategories } from '@chorus/contracts';
import {
  BorrowingEvidence,
  DiagonalGaussianLogistic,
  itemFeatures,
  personaLabel,
  profileLogit,
  withItemIntercept,
  type BorrowingDecision,
  type PersonaMixture,
  type SparseVector,
} from '@chorus/reward';
import type { ItemPriorVariance, ModelPriors, PoolingStrength } from './model-priors';
import type { RewardModelsRepository, StoredUserModel } from './reward-models.repository';
import { storedPersonas } from './user-model-state';

/** A catalogue item prepared for scoring: φ(i) for the user's deviation, φ(i) + item intercept for the aggregate. */
export interface ScoringItem {
  itemId: string;
  /** p(g|i), normalised to sum 1 (as the catalogue stores it). */
  categories: Record<string, number>;
  userX: SparseVector;
  aggregateX: SparseVector;
}

export interface AggregateSnapshot {
  model: DiagonalGaussianLogistic;
  eventsSeen: number;
  shards: number;
  /** The domain's τ²: fixed, or learned from the shards' evidence. */
  pooling: PoolingStrength;
  /** The aggregate's item-intercept prior variance σ²_c: fixed, or learned from the shards' evidence. */
  itemPriorVariance: ItemPriorVariance;
}

/** One user's personalized scores over the catalogue of a domain. */
export interface UserScores {
  userId: string;
  domain: string;
  /** The stored user model; undefined for a user without events (who is served the aggregate exactly). */
  stored?: StoredUserModel;
  /** `<user events seen>.<aggregate events seen>`: see {@link modelVersion}. */
  modelVersion: string;
  /** Items the user interacted with, as recorded by the learner. */
  seen: Set<string>;
  /** The seen items that are in the catalogue: the user's history, in catalogue order. */
  history: ScoringItem[];
  /**
   * Unseen catalogue items with their personalized logit r_u(i), best first; ties by item id; for a user with a model,
   * the persona the item serves (most attention), named by its strongest categories.
   */
  ranked: { item: ScoringItem; logit: number; persona?: { id: number; label: string } }[];
  /** Each persona's share of the user's events (its mass over the total), by persona id; absent without a model. */
  personaShares?: Record<string, number>;
  /**
   * Present when a similar user's deviation ranked the list (cold-start borrowing, issue #16): the guard's evidence
   * that it did better than the aggregate on the user's own events. The donor is not named (see borrowedProfile).
   */
  borrowed?: Omit<BorrowingDecision, 'borrow' | 'reason'>;
}

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * The read model shared by serving (gateway) and reranking (reranker): the aggregate combined from its shards, the
 * user's deviation, and r_u(i) = aggregate.logit(φ(i) + item intercept) + b_u·φ(i) over the unseen catalogue
 * (DESIGN §4). Catalogue and aggregate are cached for `cacheMs` per domain: both are read on every request or job.
 */
export class PersonalizedScorer {
  private readonly aggregates = new Map<string, Cached<AggregateSnapshot>>();
  private readonly catalogues = new Map<string, Cached<ScoringItem[]>>();

  constructor(
    readonly models: RewardModelsRepository,
    readonly priors: ModelPriors,
    private readonly cacheMs: number,
  ) {}

  invalidateCatalogue(domains: Iterable<string>): void {
    for (const domain of domains) this.catalogues.delete(domain);
  }

  async aggregate(domain: string): Promise<AggregateSnapshot> {
    const cached = this.aggregates.get(domain);
    if (cached && cached.until > Date.now()) return cached.value;
    const shards = await this.models.aggregateShards(domain);
    const itemPriorVariance = this.priors.itemPriorVariance(shards.map((s) => s.itemEvidence));
    const value = {
      model: this.priors.combineAggregate(
        shards.map((s) => ({ state: s.state, itemVariance: s.itemEvidence?.variance })),
        itemPriorVariance.variance,
      ),
      itemPriorVariance,
      eventsSeen: shards.reduce((sum, s) => sum + s.eventsSeen, 0),
      shards: shards.length,
      pooling: this.priors.pooling(domain, shards.map((s) => s.evidence)),
    };
    this.aggregates.set(domain, { value, until: Date.now() + this.cacheMs });
    return value;
  }

  async catalogue(domain: string): Promise<ScoringItem[]> {
    const cached = this.catalogues.get(domain);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = (await this.models.catalogue(domain)).map((item) => {
      const phi = itemFeatures({ categories: item.categories, stance: item.stance ?? undefined, dense: item.features ?? undefined });
      // Stored categories are normalised by the gateway; normalising again keeps p(g|i) exact for rows written otherwise.
      return { itemId: item.itemId, categories: normaliseCategories(item.categories), userX: phi, aggregateX: withItemIntercept(phi, item.itemId) };
    });
    this.catalogues.set(domain, { value, until: Date.now() + this.cacheMs });
    return value;
  }

  /** The user's deviation as a model, or undefined for a user without events. */
  deviation(stored: StoredUserModel | undefined, domain: string): DiagonalGaussianLogistic | undefined {
    return stored ? this.priors.restoreUser(domain, stored.weights, stored.tau2) : undefined;
  }

  /** The user's personas (one for a row without them), or undefined for a user without events. */
  personas(stored: StoredUserModel | undefined, domain: string): PersonaMixture | undefined {
    return stored ? this.priors.restoreUserPersonas(domain, { weights: stored.weights, personas: storedPersonas(stored.weights, stored.personas), eventsSeen: stored.eventsSeen }, stored.tau2) : undefined;
  }

  async scoreUnseen(userId: string, domain: string): Promise<UserScores> {
    const [aggregate, stored, seen, catalogue] = await Promise.all([
      this.aggregate(domain),
      this.models.user(userId, domain),
      this.models.interactedItems(userId, domain),
      this.catalogue(domain),
    ]);
    return this.rank(userId, domain, { aggregate, stored, seen, catalogue });
  }

  /**
   * {@link scoreUnseen} for several users, with the users' models and interactions read in one query each. Scoring
   * one user can fail on that user's data alone (a stored model the reward library refuses): that user gets the error,
   * the others their scores. Read failures reject the whole call.
   */
  async scoreUnseenMany(userIds: readonly string[], domain: string): Promise<({ userId: string; scores: UserScores } | { userId: string; error: unknown })[]> {
    const [aggregate, stored, seen, catalogue] = await Promise.all([
      this.aggregate(domain),
      this.models.usersOf(domain, userIds),
      this.models.interactedItemsOf(domain, userIds),
      this.catalogue(domain),
    ]);
    return userIds.map((userId) => {
      try {
        return { userId, scores: this.rank(userId, domain, { aggregate, stored: stored.get(userId), seen: seen.get(userId)!, catalogue }) };
      } catch (error) {
        return { userId, error };
      }
    });
  }

  private rank(
    userId: string,
    domain: string,
    { aggregate, stored, seen, catalogue }: { aggregate: AggregateSnapshot; stored: StoredUserModel | undefined; seen: Set<string>; catalogue: ScoringItem[] },
  ): UserScores {
    const borrowed = this.borrowedProfile(stored);
    if (borrowed) return this.rankBorrowed(userId, domain, { aggregate, stored: stored!, seen, catalogue }, borrowed);
    // Personas score with item-conditioned attention; one persona is exactly the single deviation (personalizedLogit).
    const personas = this.personas(stored, domain);
    const names = new Map(personas?.personas.map((persona) => [persona.id, { id: persona.id, label: personaLabel(persona.model) }]));
    const history: ScoringItem[] = [];
    const ranked: UserScores['ranked'] = [];
    for (const item of catalogue) {
      if (seen.has(item.itemId)) {
        history.push(item);
        continue;
      }
      const aggregateLogit = aggregate.model.logit(item.aggregateX);
      if (!personas) ranked.push({ item, logit: aggregateLogit });
      else ranked.push({ item, logit: personas.logit(item.userX, aggregateLogit), persona: names.get(personas.servingPersona(item.userX))! });
    }
    ranked.sort(bestFirst);
    const personaShares = personas && personaMassShares(personas);
    return { userId, domain, stored, modelVersion: modelVersion(stored?.eventsSeen ?? 0, aggregate.eventsSeen), seen, history, ranked, ...(personaShares ? { personaShares } : {}) };
  }

  /**
   * Cold-start borrowing's serving step: the donor profile a cold user is served, when borrowing is on
   * (LEARNER_BORROWING) and the guard accepts the user's own evidence (BorrowingEvidence: the lower one-sided 95%
   * bound of the mean log-loss gain over the aggregate > 0, after ≥ 5 scored events). Undefined otherwise, and for a
   * user with LEARNER_BORROWING_COLD_EVENTS events or more (served their own deviation).
   */
  borrowedProfile(stored: StoredUserModel | undefined): { means: Record<string, number>; decision: BorrowingDecision } | undefined {
    const { guard, donors } = this.priors.borrowing;
    const state = stored?.borrowing;
    if (!guard.enabled || !state?.donor || stored!.eventsSeen >= donors.minEvents) return undefined;
    const decision = BorrowingEvidence.fromJSON(state.evidence).decide(guard);
    // Null prototype: the profile is looked up by feature name.
    return decision.borrow ? { means: Object.assign(Object.create(null) as Record<string, number>, state.donor.means), decision } : undefined;
  }

  /** The list a borrowed profile ranks: aggregate + donor profile, r(i) = aggregate(i) + m_d·φ(i); no personas. */
  private rankBorrowed(
    userId: string,
    domain: string,
    { aggregate, stored, seen, catalogue }: { aggregate: AggregateSnapshot; stored: StoredUserModel; seen: Set<string>; catalogue: ScoringItem[] },
    { means, decision }: { means: Record<string, number>; decision: BorrowingDecision },
  ): UserScores {
    const history: ScoringItem[] = [];
    const ranked: UserScores['ranked'] = [];
    for (const item of catalogue) {
      if (seen.has(item.itemId)) history.push(item);
      else ranked.push({ item, logit: profileLogit(means, item.userX, aggregate.model.logit(item.aggregateX)) });
    }
    ranked.sort(bestFirst);
    const { events, meanGain, lowerBound } = decision;
    return { userId, domain, stored, modelVersion: modelVersion(stored.eventsSeen, aggregate.eventsSeen), seen, history, ranked, borrowed: { events, meanGain, lowerBound } };
  }
}

/** Highest logit first; ties by item id. */
function bestFirst(a: { item: ScoringItem; logit: number }, b: { item: ScoringItem; logit: number }): number {
  return b.logit - a.logit || (a.item.itemId < b.item.itemId ? -1 : a.item.itemId > b.item.itemId ? 1 : 0);
}

/**
 * Each persona's share of the user's events, mass_k / Σ mass, by persona id: what calibrated reranking keeps and the
 * model read shows. Undefined while the personas have no mass (nothing learned yet).
 */
export function personaMassShares(personas: PersonaMixture): Record<string, number> | undefined {
  const totalMass = personas.personas.reduce((sum, persona) => sum + persona.mass, 0);
  return totalMass > 0 ? Object.fromEntries(personas.personas.map((persona) => [String(persona.id), persona.mass / totalMass])) : undefined;
}
