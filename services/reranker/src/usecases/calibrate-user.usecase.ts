import { calibratedRerank, categoryDistribution, type CalibrationPrior, type RerankCandidate } from '@chorus/calibration';
import { rerankCompletedV1, topicName, type RerankCompletedV1, type RerankJobV1 } from '@chorus/contracts';
import type { ScoringItem, UserScores } from '@chorus/platform';
import type { Producer } from 'kafkajs';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';

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

export type CalibrateUserResult =
  | {
      outcome: 'stored' | 'already-stored';
      listId: string;
      userId: string;
      domain: string;
      modelVersion: string;
      items: number;
      klBefore: number;
      klAfter: number;
      relevanceRetained: number | null;
      minorityShare: CalibratedListRecord['minorityShare'];
      listSource: 'greedy' | 'accuracy-list';
    }
  | { outcome: 'skipped'; userId: string; domain: string; modelVersion: string; reason: string };

/** The use case's ports. In production: PersonalizedScorer, CalibratedListsRepository and the Kafka producer. */
export interface UserScoring {
  scoreUnseen(userId: string, domain: string): Promise<UserScores>;
  catalogue(domain: string): Promise<ScoringItem[]>;
}

export interface CalibratedLists {
  findByJob(jobId: string): Promise<CalibratedListRecord | undefined>;
  insertOnce(list: NewCalibratedList): Promise<{ record: CalibratedListRecord; inserted: boolean }>;
  markPublished(listId: string): Promise<void>;
}

export type CompletedEventProducer = Pick<Producer, 'send'>;

/** σ(logit): the model's probability that the user likes the item — relevance on [0, 1] as Steck's objective expects. */
const PERSONA_PREFIX = 'persona:';

export function relevanceOf(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/**
 * Rerank one user (DESIGN §6): score the unseen catalogue with the user's personalized model, take the top C, build
 * the profile p(g|u) from the user's history, run Steck's greedy, store the list once per job id, publish
 * chorus.rerank-completed.v1.
 *
 * The profile weighs every item the learner recorded for the user equally (user_items holds no label), so skipped
 * and low-rated items count as interest too; a label-weighted profile needs the learner to store labels.
 *
 * Exactly-once effect per job id: a run that finds the job's row (a retry, or a new worker after a crash after the
 * insert) stores nothing new and only publishes if the row is not yet marked published. The event itself is at least
 * once: a crash between the Kafka ack and `markPublished` re-sends it on the next run, with the same listId.
 */
export class CalibrateUserUseCase {
  constructor(
    private readonly scorer: UserScoring,
    private readonly lists: CalibratedLists,
    private readonly producer: CompletedEventProducer,
    private readonly topicPrefix: string,
    private readonly settings: CalibrationSettings,
  ) {}

  /** `beforeStore` runs once the list is computed and before it is stored (progress reporting; the test hook's pause). */
  async execute(
    jobId: string,
    job: RerankJobV1,
    beforeStore: (summary: { klBefore: number; klAfter: number; items: number }) => Promise<void> = async () => undefined,
  ): Promise<CalibrateUserResult> {
    const userId = job.userIds![0]!;
    const domain = job.domain;
    const existing = await this.lists.findByJob(jobId);
    if (existing) {
      await this.publish(existing);
      return summary(existing, 'already-stored');
    }

    const scores = await this.scorer.scoreUnseen(userId, domain);
    const skip = (reason: string): CalibrateUserResult => ({ outcome: 'skipped', userId, domain, modelVersion: scores.modelVersion, reason });
    if (scores.history.length === 0) return skip('the user has no recorded interactions with catalogue items in this domain, so there is no profile to calibrate to');
    if (scores.ranked.length === 0) return skip('the user has interacted with every catalogue item; nothing is left to recommend');

    const top = scores.ranked.slice(0, this.settings.candidates);
    const byPersona = this.settings.calibrateTo === 'personas' && scores.personaShares !== undefined && Object.keys(scores.personaShares).length > 1;
    // By persona: each candidate's one "category" is the persona it serves, the profile the personas' shares.
    const candidates: RerankCandidate[] = top.map(({ item, logit, persona }) => ({
      id: item.itemId,
      score: relevanceOf(logit),
      categories: byPersona ? { [PERSONA_PREFIX + persona!.id]: 1 } : item.categories,
    }));
    const profile = byPersona
      ? Object.fromEntries(Object.entries(scores.personaShares!).map(([id, share]) => [PERSONA_PREFIX + id, share]))
      : categoryDistribution(scores.history.map((item) => ({ categories: item.categories })));
    const lambda = job.lambda ?? this.settings.lambda;
    const n = Math.min(job.n ?? this.settings.n, candidates.length);
    // The diversity prior is over the domain's categories, which a persona profile does not have.
    const prior = !byPersona && this.settings.priorWeight > 0 ? await this.uniformPrior(domain) : undefined;
    const result = calibratedRerank({ candidates, profile, n, lambda, alpha: this.settings.alpha, prior });

    await beforeStore({ klBefore: result.klBefore, klAfter: result.klAfter, items: result.items.length });

    const logits = new Map(top.map(({ item, logit }) => [item.itemId, logit]));
    const { record } = await this.lists.insertOnce({
      jobId,
      userId,
      domain,
      items: result.items.map((itemId) => ({ itemId, score: logits.get(itemId)!, relevance: relevanceOf(logits.get(itemId)!) })),
      klBefore: result.klBefore,
      klAfter: result.klAfter,
      relevanceRetained: result.relevanceRetained,
      minorityShare: result.minorityShare,
      lambda,
      n,
      candidates: candidates.length,
      listSource: result.listSource,
      modelVersion: scores.modelVersion,
      reason: job.reason,
    });
    await this.publish(record);
    return summary(record, 'stored');
  }

  private async publish(record: CalibratedListRecord): Promise<void> {
    if (record.publishedAt !== null) return;
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
    await this.producer.send({ topic: topicName('rerankCompleted', this.topicPrefix), messages: [{ key: record.userId, value: JSON.stringify(event) }] });
    await this.lists.markPublished(record.listId);
  }

  /** p₀ uniform over the categories of the domain's catalogue. */
  private async uniformPrior(domain: string): Promise<CalibrationPrior> {
    const categories = new Set<string>();
    for (const item of await this.scorer.catalogue(domain)) for (const category of Object.keys(item.categories)) categories.add(category);
    const distribution: Record<string, number> = {};
    for (const category of categories) distribution[category] = 1 / categories.size;
    return { weight: this.settings.priorWeight, distribution };
  }
}

function summary(record: CalibratedListRecord, outcome: 'stored' | 'already-stored'): CalibrateUserResult {
  return {
    outcome,
    listId: record.listId,
    userId: record.userId,
    domain: record.domain,
    modelVersion: record.modelVersion,
    items: record.items.length,
    klBefore: record.klBefore,
    klAfter: record.klAfter,
    relevanceRetained: record.relevanceRetained,
    minorityShare: record.minorityShare,
    listSource: record.listSource,
  };
}
