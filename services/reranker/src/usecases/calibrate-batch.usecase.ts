import type { RerankBatchJobV1 } from '@chorus/contracts';
import { batchUserJobIds, emitEvent } from '@chorus/platform';
import type { UserScores } from '@chorus/scoring';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';
import type { CompletedEventProducer } from './calibrate-user.usecase';
import { completedMessage, computeCalibratedList, uniformPrior, type CalibrationSettings } from './calibrated-list';

/** The batch use case's ports. In production: PersonalizedScorer and CalibratedListsRepository. */
export interface BatchScoring {
  scoreUnseenMany(userIds: readonly string[], domain: string, count: number): Promise<({ userId: string; scores: UserScores } | { userId: string; error: unknown })[]>;
  categories(domain: string): Promise<string[]>;
}

export interface CalibratedListsBatch {
  findByJobs(jobIds: readonly string[]): Promise<Map<string, CalibratedListRecord>>;
  insertMany(lists: readonly NewCalibratedList[]): Promise<{ records: CalibratedListRecord[]; inserted: number }>;
  markPublishedMany(listIds: readonly string[]): Promise<void>;
}

/** The steps of a batch, timed apart (`reranker_batch_phase_seconds`) so that where a user's time goes can be read off. */
export type BatchPhase = 'find-stored' | 'score' | 'greedy' | 'store' | 'publish';

/** Starts timing a phase; the returned function stops it. */
export type PhaseTimer = (phase: BatchPhase) => () => void;

export interface CalibrateBatchResult {
  outcome: 'batch';
  domain: string;
  users: number;
  stored: number;
  alreadyStored: number;
  skipped: { userId: string; reason: string }[];
  /** Users whose own data could not be calibrated (a stored model or input the libraries refuse): reported, not retried. */
  failed: { userId: string; error: string }[];
}

/**
 * Rerank the users of a `rerank-batch` job together: one query for the lists already stored, one each for the users'
 * models and interactions (aggregate and catalogue are cached), the greedy per user, one INSERT for every new list,
 * one bounded Kafka send for every completion event not yet published, one UPDATE marking them published.
 *
 * Per user, it keeps what a `rerank-user` job guarantees: the list is stored under the user's own job id (derived
 * from the version the fan-out read), at most once; a user whose list is stored is not computed again on a retry or
 * after a crash, and is published if it was not yet. A user whose data fails (scoring or the greedy throws for that
 * user alone) is reported in `failed` and the others are stored; a read, insert or send failure fails the batch, and
 * its retry does only what is left.
 */
export class CalibrateBatchUseCase {
  constructor(
    private readonly scorer: BatchScoring,
    private readonly lists: CalibratedListsBatch,
    private readonly producer: CompletedEventProducer,
    private readonly settings: CalibrationSettings,
    private readonly time: PhaseTimer = () => () => undefined,
  ) {}

  /** `beforeStore` runs once every list is computed and before any is stored (progress; the test hook's pause). */
  async execute(batch: RerankBatchJobV1, beforeStore: (summary: { computed: number }) => Promise<void> = async () => undefined): Promise<CalibrateBatchResult> {
    const jobIds = batchUserJobIds(batch);
    let stop = this.time('find-stored');
    const existing = await this.lists.findByJobs(jobIds);
    stop();
    const pending = batch.users.map(({ userId }, k) => ({ userId, jobId: jobIds[k]! })).filter(({ jobId }) => !existing.has(jobId));
    const result: CalibrateBatchResult = { outcome: 'batch', domain: batch.domain, users: batch.users.length, stored: 0, alreadyStored: existing.size, skipped: [], failed: [] };

    const computed: NewCalibratedList[] = [];
    if (pending.length > 0) {
      stop = this.time('score');
      const prior = uniformPrior(this.settings.priorWeight > 0 ? await this.scorer.categories(batch.domain) : [], this.settings.priorWeight);
      const scored = await this.scorer.scoreUnseenMany(
        pending.map(({ userId }) => userId),
        batch.domain,
        this.settings.candidates,
      );
      stop();
      stop = this.time('greedy');
      scored.forEach((user, k) => {
        try {
          if ('error' in user) throw user.error;
          const list = computeCalibratedList(pending[k]!.jobId, batch, user.scores, this.settings, prior);
          if (list.outcome === 'skipped') result.skipped.push({ userId: user.userId, reason: list.reason });
          else computed.push(list.list);
        } catch (error) {
          result.failed.push({ userId: user.userId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        }
      });
      stop();
    }

    await beforeStore({ computed: computed.length });
    stop = this.time('store');
    const { records, inserted } = await this.lists.insertMany(computed);
    stop();
    result.stored = inserted;
    result.alreadyStored += computed.length - inserted;
    stop = this.time('publish');
    await this.publish([...existing.values(), ...records]);
    stop();
    return result;
  }

  /**
   * The completion events of every unpublished list of the batch in one emit (one produce request unless the batch's
   * events pass `PRODUCE_REQUEST_MAX_BYTES`: the client sends in bounded requests), at least once as for one user; then one UPDATE.
   */
  private async publish(records: readonly CalibratedListRecord[]): Promise<void> {
    const unpublished = records.filter((record) => record.publishedAt === null);
    if (unpublished.length === 0) return;
    await emitEvent(this.producer, 'rerankCompleted', unpublished.map(completedMessage));
    await this.lists.markPublishedMany(unpublished.map((record) => record.listId));
  }
}
