import { CalibrationInputError, calibratedRerank, categoryDistribution, RerankCatalogue, type CalibrationPrior, type RerankCandidate } from '@chorus/calibration';
import { rerankCompletedV1, type RerankCompletedV1, type RerankReasonV1 } from '@chorus/contracts';
import type { RankedItem, ScoringItem, UserScores } from '@chorus/scoring';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';

/**
 * What one user's rerank computes, whether the user came alone (`rerank-user`) or in a batch (`rerank-batch`): the
 * same steps, so the two kinds of job store the same list for the same user and models.
 */

export interface CalibrationSettings {
  /** Defaults for jobs that do not set them. */
  lambda: number;
  n: number;
  /** C: how many of the user's best unseen items the greedy chooses from. */
  candidates: number;
  alpha: number;
  /** β of a uniform diversity prior over the domain's categories (0 = none). */
  priorWeight: number;
  /**
   * What the list is calibrated to: the categories of the user's history (Steck), or the user's personas (issue #16):
   * each persona keeps its share of the user's events among the items it serves. A user with one persona (or none)
   * is calibrated to categories either way.
   */
  calibrateTo?: 'categories' | 'personas';
}

/** The job fields a list depends on (shared by per-user and batch payloads). */
export interface ListRequest {
  domain: string;
  reason: RerankReasonV1;
  lambda?: number;
  n?: number;
}

export type ComputedList = { outcome: 'computed'; list: NewCalibratedList } | { outcome: 'skipped'; reason: string };

/** The "category" of a candidate calibrated by persona: the persona it serves. */
const PERSONA_PREFIX = 'persona:';

/** σ(logit): the model's probability that the user likes the item — relevance on [0, 1] as Steck's objective expects. */
export function relevanceOf(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/**
 * Candidates (the top C, and with personas each persona's own best: see CandidateIndex) → profile p(g|u) from the history (or, calibrated to personas, the personas' shares) → Steck's greedy, as the list to store under `jobId`; or why there
 * is nothing to calibrate. Throws what `calibratedRerank` throws for input it refuses.
 *
 * The profile weighs every item the learner recorded for the user equally (user_items holds no label), so skipped
 * and low-rated items count as interest too; a label-weighted profile needs the learner to store labels.
 */
export function computeCalibratedList(
  jobId: string,
  request: ListRequest,
  scores: UserScores,
  settings: CalibrationSettings,
  prior: CalibrationPrior | undefined,
): ComputedList {
  if (scores.history.length === 0) {
    return { outcome: 'skipped', reason: 'the user has no recorded interactions with catalogue items in this domain, so there is no profile to calibrate to' };
  }
  if (scores.ranked.length === 0) return { outcome: 'skipped', reason: 'the user has interacted with every catalogue item; nothing is left to recommend' };
  // The personas' own best items come after the top C, so that a small persona's items can be chosen for its share.
  const top = [...scores.ranked.slice(0, settings.candidates), ...(scores.personaCoverage ?? [])];
  const byPersona = settings.calibrateTo === 'personas' && scores.personaShares !== undefined && Object.keys(scores.personaShares).length > 1;
  const profile = byPersona
    ? Object.fromEntries(Object.entries(scores.personaShares!).map(([id, share]) => [PERSONA_PREFIX + id, share]))
    : categoryDistribution(scores.history.map((item) => ({ categories: item.categories })));
  const lambda = request.lambda ?? settings.lambda;
  const n = Math.min(request.n ?? settings.n, top.length);
  // The diversity prior is over the domain's categories, which a persona profile does not have.
  const options = { profile, n, lambda, alpha: settings.alpha, prior: byPersona ? undefined : prior };
  const catalogue = byPersona ? undefined : rerankCatalogueOf(scores.catalogue);
  const result =
    catalogue !== undefined && top.every((candidate) => candidate.position !== undefined)
      ? calibratedRerank({ catalogue, positions: Int32Array.from(top, (candidate) => candidate.position!), scores: Float64Array.from(top, ({ logit }) => relevanceOf(logit)), ...options })
      : calibratedRerank({ candidates: candidateObjects(top, byPersona), ...options });
  const logits = new Map(top.map(({ item, logit }) => [item.itemId, logit]));
  return {
    outcome: 'computed',
    list: {
      jobId,
      userId: scores.userId,
      domain: request.domain,
      items: result.items.map((itemId) => ({ itemId, score: logits.get(itemId)!, relevance: relevanceOf(logits.get(itemId)!) })),
      klBefore: result.klBefore,
      klAfter: result.klAfter,
      relevanceRetained: result.relevanceRetained,
      minorityShare: result.minorityShare,
      lambda,
      n,
      candidates: top.length,
      listSource: result.listSource,
      modelVersion: scores.modelVersion,
      reason: request.reason,
    },
  };
}

/** By persona, each candidate's one "category" is the persona it serves (the profile is the personas' shares). */
function candidateObjects(top: readonly RankedItem[], byPersona: boolean): RerankCandidate[] {
  return top.map(({ item, logit, persona }) => ({
    id: item.itemId,
    score: relevanceOf(logit),
    categories: byPersona ? { [PERSONA_PREFIX + persona!.id]: 1 } : item.categories,
  }));
}

/**
 * The loaded catalogue's categories interned once (`RerankCatalogue`), so each user's greedy reads typed arrays instead
 * of every candidate's categories object: the same result, about twice the users per CPU second (README, bench:greedy).
 * Keyed by the scorer's catalogue array, which stays the same object until the catalogue reloads. A catalogue the
 * library refuses (an item whose categories do not sum to 1) is remembered as such, and its users go through the
 * object form, which fails only the users whose candidates include the bad item.
 */
const rerankCatalogues = new WeakMap<readonly ScoringItem[], RerankCatalogue | null>();

function rerankCatalogueOf(items: readonly ScoringItem[] | undefined): RerankCatalogue | undefined {
  if (items === undefined) return undefined;
  let catalogue = rerankCatalogues.get(items);
  if (catalogue === undefined) {
    try {
      catalogue = RerankCatalogue.of(items.map(({ itemId, categories }) => ({ id: itemId, categories })));
    } catch (error) {
      if (!(error instanceof CalibrationInputError)) throw error;
      catalogue = null;
    }
    rerankCatalogues.set(items, catalogue);
  }
  return catalogue ?? undefined;
}

/** p₀ uniform over the categories of the domain's catalogue, or none when β = 0. */
export function uniformPrior(categories: readonly string[], weight: number): CalibrationPrior | undefined {
  if (weight <= 0) return undefined;
  const distribution: Record<string, number> = {};
  for (const category of categories) distribution[category] = 1 / categories.length;
  return { weight, distribution };
}

/** The chorus.rerank-completed.v1 message of a stored list, keyed by user. */
export function completedMessage(record: CalibratedListRecord): { key: string; value: string } {
  const event: RerankCompletedV1 = rerankCompletedV1.parse({
    listId: record.listId,
    jobId: record.jobId,
    userId: record.userId,
    domain: record.domain,
    modelVersion: record.modelVersion,
    reason: record.reason,
    lambda: record.lambda,
    n: record.n,
    items: record.items.map((item) => item.itemId),
    klBefore: record.klBefore,
    klAfter: record.klAfter,
    relevanceRetained: record.relevanceRetained,
    minorityShare: record.minorityShare,
    listSource: record.listSource,
    completedAt: record.createdAt.toISOString(),
  });
  return { key: record.userId, value: JSON.stringify(event) };
}
