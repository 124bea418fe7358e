import { modelVersion, normaliseCategories } from '@chorus/contracts';
import {
  BorrowingEvidence,
  ConditionDeviations,
  DiagonalGaussianLogistic,
  itemFeatures,
  personaLabel,
  profileLogit,
  withItemIntercept,
  type BorrowingDecision,
  type PersonaMixture,
  type SparseVector,
} from '@chorus/reward';
import { CandidateIndex, type PersonaWeights } from './candidate-index';
import { DenseFeatures, DensePersonas } from './dense-personas';
import type { ItemPriorVariance, ModelPriors, PoolingStrength } from './model-priors';
import { RefreshingCache } from './refreshing-cache';
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
   * The user's best unseen items by the personalized logit r_u(i), as many as were asked for (fewer when fewer are
   * unseen), best first; ties by item id; for a user with a model, the persona the item serves (most attention), named
   * by its strongest categories. Found by the candidate index, not by scoring the catalogue ({@link retrieveCandidates}).
   */
  ranked: RankedItem[];
  /**
   * The catalogue `RankedItem.position` indexes: the loaded array itself, the same object for every user until the
   * catalogue reloads, so a consumer can prepare per-catalogue data once (the reranker's `RerankCatalogue`).
   */
  catalogue?: readonly ScoringItem[];
  /** With several personas: each persona's own best items that `ranked` lacks, best first (see CandidateIndex). */
  personaCoverage?: RankedItem[];
  /** How many catalogue items the user has not seen. */
  unseen: number;
  /** Each persona's share of the user's events (its mass over the total), by persona id; absent without a model. */
  personaShares?: Record<string, number>;
  /**
   * Present when a similar user's deviation ranked the list (cold-start borrowing, issue #16): the guard's evidence
   * that it did better than the aggregate on the user's own events. The donor is not named (see borrowedProfile).
   */
  borrowed?: Omit<BorrowingDecision, 'borrow' | 'reason'>;
}

export interface RankedItem {
  item: ScoringItem;
  logit: number;
  /** The item's position in {@link UserScores.catalogue}. */
  position?: number;
  persona?: { id: number; label: string };
}

/** A domain's catalogue as loaded, with the stamp it was loaded at, every category it uses and its features as numbers. */
interface LoadedCatalogue {
  stamp: string;
  items: ScoringItem[];
  categories: string[];
  features: DenseFeatures;
}

/** The candidate index of a domain, and the catalogue and aggregate it was built from. */
interface ServingIndex {
  catalogue: LoadedCatalogue;
  aggregate: AggregateSnapshot;
  index: CandidateIndex;
}

/**
 * Candidate retrieval, the step before anything else looks at a user's items: the best `count` unseen items for
 * `personas` (the aggregate alone when undefined) and, with several personas, each persona's own best, from the
 * candidate index instead of a scan of the catalogue. A separate step so that whoever decides which deviation a user is
 * served (their own, or a borrowed one) hands it here unchanged.
 */
export function retrieveCandidates(
  index: CandidateIndex,
  personas: PersonaMixture | DensePersonas | undefined,
  seen: ReadonlySet<string>,
  count: number,
  condition?: DiagonalGaussianLogistic,
) {
  if (condition !== undefined && personas !== undefined && !(personas instanceof DensePersonas)) {
    // Under a framing the served score is m(i) + d_c·φ(i) ≤ max_k a(i) + (b_k + d_c)·φ(i): each persona walks as b_k + d_c,
    // so the index's bound (and its exactness) holds as it does for the personas alone.
    return index.retrieve({
      personas: personas.personas.map(({ model }) => ({ mean: (feature: string) => model.mean(feature) + condition.mean(feature), logit: (x: SparseVector, offset = 0) => condition.logit(x, model.logit(x, offset)) })),
      served: (x, aggregateLogit) => condition.logit(x, personas.logit(x, aggregateLogit)),
      excluded: (itemId) => seen.has(itemId),
      count,
    });
  }
  if (personas instanceof DensePersonas) {
    return index.retrieve({
      personas: personas.personas,
      // The index passes every item's position.
      served: (x, aggregateLogit, position) => personas.served(x, aggregateLogit, position!),
      excluded: (itemId) => seen.has(itemId),
      count,
    });
  }
  return index.retrieve({
    personas: personas ? personas.personas.map((persona) => persona.model) : [],
    served: personas ? (x, aggregateLogit) => personas.logit(x, aggregateLogit) : (_x, aggregateLogit) => aggregateLogit,
    excluded: (itemId) => seen.has(itemId),
    count,
  });
}

/**
 * The read model shared by serving (gateway) and reranking (reranker): the aggregate combined from its shards, the
 * user's deviation, and r_u(i) = aggregate.logit(φ(i) + item intercept) + b_u·φ(i) over the user's candidates from the
 * candidate index (DESIGN §4). The aggregate is cached for `cacheMs` per domain; the catalogue too, but when that
 * expires only its stamp is read, and the catalogue is reloaded when the stamp moved (or at once, for
 * `invalidateCatalogue`); requests that come while either is being read again are served the last one
 * ({@link RefreshingCache}). The index is rebuilt when the catalogue was reloaded, and its aggregate ranking when the
 * aggregate learned something (its events seen moved).
 */
export class PersonalizedScorer {
  private readonly aggregates: RefreshingCache<AggregateSnapshot>;
  private readonly catalogues: RefreshingCache<LoadedCatalogue>;
  private readonly indexes = new Map<string, ServingIndex>();

  constructor(
    readonly models: RewardModelsRepository,
    readonly priors: ModelPriors,
    cacheMs: number,
    /**
     * Whether a domain's deviations per framing are served (LEARNER_CONDITION_DEVIATIONS; see conditionDeviations):
     * the rows of a domain switched off keep theirs, which are then not applied.
     */
    private readonly servesConditions: (domain: string) => boolean = () => true,
  ) {
    this.aggregates = new RefreshingCache(cacheMs);
    this.catalogues = new RefreshingCache(cacheMs);
  }

  invalidateCatalogue(domains: Iterable<string>): void {
    for (const domain of domains) this.catalogues.delete(domain);
  }

  aggregate(domain: string): Promise<AggregateSnapshot> {
    return this.aggregates.get(domain, async () => {
      const shards = await this.models.aggregateShards(domain);
      const itemPriorVariance = this.priors.itemPriorVariance(shards.map((s) => s.itemEvidence));
      return {
        model: this.priors.combineAggregate(
          shards.map((s) => ({ state: s.state, itemVariance: s.itemEvidence?.variance })),
          itemPriorVariance.variance,
        ),
        itemPriorVariance,
        eventsSeen: shards.reduce((sum, s) => sum + s.eventsSeen, 0),
        shards: shards.length,
        pooling: this.priors.pooling(domain, shards.map((s) => s.evidence)),
      };
    });
  }

  async catalogue(domain: string): Promise<ScoringItem[]> {
    return (await this.loadedCatalogue(domain)).items;
  }

  /** Every category of the domain's catalogue (what a uniform prior over its categories spreads over). */
  async categories(domain: string): Promise<string[]> {
    return (await this.loadedCatalogue(domain)).categories;
  }

  /** The domain's candidate index, rebuilt as little as the catalogue and the aggregate allow. */
  async candidateIndex(domain: string): Promise<ServingIndex> {
    const [aggregate, catalogue] = await Promise.all([this.aggregate(domain), this.loadedCatalogue(domain)]);
    const current = this.indexes.get(domain);
    if (current?.catalogue === catalogue && current.aggregate === aggregate) return current;
    const aggregateLogit = (_item: unknown, position: number) => aggregate.model.logit(catalogue.items[position]!.aggregateX);
    let index: CandidateIndex;
    if (current?.catalogue !== catalogue) index = CandidateIndex.build(catalogue.items, aggregateLogit);
    // Same events seen, same shards: the same aggregate, re-read (a(i) would not move).
    else if (current.aggregate.eventsSeen === aggregate.eventsSeen && current.aggregate.shards === aggregate.shards) index = current.index;
    else index = current.index.withAggregate(aggregateLogit);
    const serving = { catalogue, aggregate, index };
    this.indexes.set(domain, serving);
    return serving;
  }

  private loadedCatalogue(domain: string): Promise<LoadedCatalogue> {
    return this.catalogues.get(domain, async (previous) => {
      const stamp = await this.models.catalogueStamp(domain);
      if (previous?.stamp === stamp) return previous;
      const items = (await this.models.catalogue(domain)).map((item) => {
        const phi = itemFeatures({ categories: item.categories, stance: item.stance ?? undefined, dense: item.features ?? undefined });
        // Stored categories are normalised by the gateway; normalising again keeps p(g|i) exact for rows written otherwise.
        return { itemId: item.itemId, categories: normaliseCategories(item.categories), userX: phi, aggregateX: withItemIntercept(phi, item.itemId) };
      });
      const categories = new Set<string>();
      for (const item of items) for (const category of Object.keys(item.categories)) categories.add(category);
      return { stamp, items, categories: [...categories], features: new DenseFeatures(items) };
    });
  }

  /** The user's deviation as a model, or undefined for a user without events. */
  deviation(stored: StoredUserModel | undefined, domain: string): DiagonalGaussianLogistic | undefined {
    return stored ? this.priors.restoreUser(domain, stored.weights, stored.tau2) : undefined;
  }

  /** The user's personas (one for a row without them), or undefined for a user without events. */
  personas(stored: StoredUserModel | undefined, domain: string): PersonaMixture | undefined {
    return stored ? this.priors.restoreUserPersonas(domain, { weights: stored.weights, personas: storedPersonas(stored.weights, stored.personas), eventsSeen: stored.eventsSeen }, stored.tau2) : undefined;
  }

  /**
   * The user's deviation for a framing (issue #15), or undefined without a framing, for a user with no deviation for it,
   * or in a domain that keeps none (LEARNER_CONDITION_DEVIATIONS).
   */
  conditionDeviation(stored: StoredUserModel | undefined, domain: string, framingId: string | undefined): DiagonalGaussianLogistic | undefined {
    if (framingId === undefined || !stored?.conditions || !this.servesConditions(domain)) return undefined;
    return ConditionDeviations.fromJSON(stored.conditions).deviation(framingId);
  }

  /**
   * The user's best `count` unseen items (see {@link UserScores.ranked}); under `framingId`, by the score the user's
   * deviation for that framing adds to (the condition-free ranking when they have none).
   */
  async scoreUnseen(userId: string, domain: string, count: number, framingId?: string): Promise<UserScores> {
    const [serving, stored, seen] = await Promise.all([this.candidateIndex(domain), this.models.user(userId, domain), this.models.interactedItems(userId, domain)]);
    return this.rank(userId, domain, { serving, stored, seen }, count, framingId);
  }

  /**
   * {@link scoreUnseen} for several users, with the users' models and interactions read in one query each. Scoring
   * one user can fail on that user's data alone (a stored model the reward library refuses): that user gets the error,
   * the others their scores. Read failures reject the whole call.
   */
  async scoreUnseenMany(userIds: readonly string[], domain: string, count: number): Promise<({ userId: string; scores: UserScores } | { userId: string; error: unknown })[]> {
    const [serving, stored, seen] = await Promise.all([this.candidateIndex(domain), this.models.usersOf(domain, userIds), this.models.interactedItemsOf(domain, userIds)]);
    return userIds.map((userId) => {
      try {
        return { userId, scores: this.rank(userId, domain, { serving, stored: stored.get(userId), seen: seen.get(userId)! }, count) };
      } catch (error) {
        return { userId, error };
      }
    });
  }

  private rank(userId: string, domain: string, { serving, stored, seen }: { serving: ServingIndex; stored: StoredUserModel | undefined; seen: Set<string> }, count: number, framingId?: string): UserScores {
    const { aggregate, catalogue, index } = serving;
    const borrowed = this.borrowedProfile(stored);
    if (borrowed) return this.rankBorrowed(userId, domain, { serving, stored: stored!, seen }, count, borrowed);
    // Personas score with item-conditioned attention; one persona is exactly the single deviation (personalizedLogit).
    const personas = this.personas(stored, domain);
    const names = new Map(personas?.personas.map((persona) => [persona.id, { id: persona.id, label: personaLabel(persona.model) }]));
    const history = seenHistory(serving, seen);
    const unseen = catalogue.items.length - history.length;
    const condition = this.conditionDeviation(stored, domain, framingId);
    // Without a framing: the same scores as the mixture's, from the catalogue's features as numbers (see DenseFeatures).
    // Under one, the mixture itself, with the framing's deviation added to every persona.
    const dense = personas && condition === undefined ? new DensePersonas(catalogue.features, personas) : undefined;
    const found = unseen > 0 ? retrieveCandidates(index, dense ?? personas, seen, count, condition) : { candidates: [], coverage: [] };
    const ranked = (candidates: readonly { position: number; logit: number }[]): RankedItem[] =>
      candidates.map(({ position, logit }) => {
        const item = catalogue.items[position]!;
        if (dense) return { item, logit, position, persona: names.get(dense.servingPersona(item.userX, position))! };
        return personas ? { item, logit, position, persona: names.get(personas.servingPersona(item.userX))! } : { item, logit, position };
      });
    const personaShares = personas && personaMassShares(personas);
    return {
      userId,
      domain,
      stored,
      modelVersion: modelVersion(stored?.eventsSeen ?? 0, aggregate.eventsSeen),
      seen,
      history,
      ranked: ranked(found.candidates),
      catalogue: catalogue.items,
      personaCoverage: ranked(found.coverage),
      unseen,
      ...(personaShares ? { personaShares } : {}),
    };
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

  /**
   * The list a borrowed profile ranks: aggregate + donor profile, r(i) = aggregate(i) + m_d·φ(i), one persona with the
   * donor's means, retrieved through the same candidate index as the user's own deviation would be.
   */
  private rankBorrowed(
    userId: string,
    domain: string,
    { serving, stored, seen }: { serving: ServingIndex; stored: StoredUserModel; seen: Set<string> },
    count: number,
    { means, decision }: { means: Record<string, number>; decision: BorrowingDecision },
  ): UserScores {
    const { aggregate, catalogue, index } = serving;
    const history = seenHistory(serving, seen);
    const unseen = catalogue.items.length - history.length;
    const donor: PersonaWeights = { mean: (feature) => means[feature] ?? 0, logit: (x, offset = 0) => profileLogit(means, x, offset) };
    const found = unseen > 0 ? index.retrieve({ personas: [donor], served: (x, aggregateLogit) => profileLogit(means, x, aggregateLogit), excluded: (itemId) => seen.has(itemId), count }) : { candidates: [] };
    const ranked = found.candidates.map(({ position, logit }) => ({ item: catalogue.items[position]!, logit, position }));
    const { events, meanGain, lowerBound } = decision;
    return { userId, domain, stored, modelVersion: modelVersion(stored.eventsSeen, aggregate.eventsSeen), seen, history, ranked, catalogue: catalogue.items, unseen, borrowed: { events, meanGain, lowerBound } };
  }
}

/** The seen items that are in the catalogue, in catalogue order. */
function seenHistory({ catalogue, index }: ServingIndex, seen: ReadonlySet<string>): ScoringItem[] {
  const positions: number[] = [];
  for (const itemId of seen) {
    const position = index.catalogue.position(itemId);
    if (position !== undefined) positions.push(position);
  }
  return positions.sort((a, b) => a - b).map((position) => catalogue.items[position]!);
}

/**
 * Each persona's share of the user's events, mass_k / Σ mass, by persona id: what calibrated reranking keeps and the
 * model read shows. Undefined while the personas have no mass (nothing learned yet).
 */
export function personaMassShares(personas: PersonaMixture): Record<string, number> | undefined {
  const totalMass = personas.personas.reduce((sum, persona) => sum + persona.mass, 0);
  return totalMass > 0 ? Object.fromEntries(personas.personas.map((persona) => [String(persona.id), persona.mass / totalMass])) : undefined;
}
