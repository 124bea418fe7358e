import type { RerankJobV1 } from '@chorus/contracts';
import { emitEvent, type EventClient } from '@chorus/platform';
import type { UserScores } from '@chorus/scoring';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';
import { completedMessage, computeCalibratedList, uniformPrior, type CalibrationSettings } from './calibrated-list';

export { relevanceOf, type CalibrationSettings } from './calibrated-list';

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

/** The use case's ports. In production: PersonalizedScorer, CalibratedListsRepository and the Kafka producer client. */
export interface UserScoring {
  /** The user's best `count` unseen items (and, with personas, each persona's own best). */
  scoreUnseen(userId: string, domain: string, count: number): Promise<UserScores>;
  /** Every category of the domain's catalogue. */
  categories(domain: string): Promise<string[]>;
}

export interface CalibratedLists {
  findByJob(jobId: string): Promise<CalibratedListRecord | undefined>;
  insertOnce(list: NewCalibratedList): Promise<{ record: CalibratedListRecord; inserted: boolean }>;
  markPublished(listId: string): Promise<void>;
}

export type CompletedEventProducer = EventClient;

/**
 * Rerank one user (DESIGN §6): score the unseen catalogue with the user's personalized model, take the top C, build
 * the profile p(g|u) from the user's history, run Steck's greedy, store the list once per job id, publish
 * chorus.rerank-completed.v1.
 * (`computeCalibratedList`; a `rerank-batch` job runs the same steps for many users).
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

    const scores = await this.scorer.scoreUnseen(userId, domain, this.settings.candidates);
    const prior = this.settings.priorWeight > 0 ? uniformPrior(await this.scorer.categories(domain), this.settings.priorWeight) : undefined;
    const computed = computeCalibratedList(jobId, job, scores, this.settings, prior);
    if (computed.outcome === 'skipped') return { outcome: 'skipped', userId, domain, modelVersion: scores.modelVersion, reason: computed.reason };

    await beforeStore({ klBefore: computed.list.klBefore, klAfter: computed.list.klAfter, items: computed.list.items.length });

    const { record } = await this.lists.insertOnce(computed.list);
    await this.publish(record);
    return summary(record, 'stored');
  }

  private async publish(record: CalibratedListRecord): Promise<void> {
    if (record.publishedAt !== null) return;
    await emitEvent(this.producer, 'rerankCompleted', [completedMessage(record)]);
    await this.lists.markPublished(record.listId);
  }
}

export function summary(record: CalibratedListRecord, outcome: 'stored' | 'already-stored'): CalibrateUserResult {
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
