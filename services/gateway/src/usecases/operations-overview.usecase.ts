import { prequentialAucQueryV1 } from '@chorus/contracts';
import { AUC_LOGIT_BINS, AUC_LOGIT_LIMIT, binnedAuc } from '@chorus/reward';
import { DomainError } from '@chorus/platform';
import type { OperationsOverviewRepository } from '../persistence/operations-overview.repository';
import { parseRequest } from './parse-request';

/** Most buckets one AUC read answers: enough for a chart, few enough that a page view reads a bounded slice. */
export const MAX_AUC_BUCKETS = 200;

const APPROXIMATION = `binned: scores in ${AUC_LOGIT_BINS} equal logit bins over [−${AUC_LOGIT_LIMIT}, ${AUC_LOGIT_LIMIT}], pairs in one bin count ½; every applied event counted exactly once`;

/**
 * The console overview's figures from Postgres: every consumer's dead letters by code, and the prequential AUC of the
 * aggregate against the personalized model over event time (each event scored by both before either learned it).
 */
export class OperationsOverviewUseCase {
  constructor(private readonly repository: Pick<OperationsOverviewRepository, 'deadLettersByCode' | 'latestAucBucket' | 'aucHistograms'>) {}

  async deadLetters() {
    const codes = await this.repository.deadLettersByCode();
    return { total: codes.reduce((sum, c) => sum + c.count, 0), codes };
  }

  /**
   * The AUC per bucket in [from, to): `to` defaults to the end of the newest bucket with scores (event time need not
   * be now: a replayed data set keeps its own timestamps), `from` to MAX_AUC_BUCKETS buckets before it.
   */
  async prequentialAuc(rawQuery: unknown) {
    const { domain, bucketSeconds, from, to } = parseRequest(prequentialAucQueryV1, rawQuery, 'the query');
    const bucketMs = bucketSeconds * 1000;
    const latest = to === undefined ? await this.repository.latestAucBucket(domain) : undefined;
    const answer = { domain, bucketSeconds, approximation: APPROXIMATION };
    if (to === undefined && latest === undefined) return { ...answer, points: [] };
    const end = to !== undefined ? new Date(to) : new Date(Math.floor(latest!.getTime() / bucketMs) * bucketMs + bucketMs);
    const start = from !== undefined ? new Date(from) : new Date(end.getTime() - MAX_AUC_BUCKETS * bucketMs);
    if ((end.getTime() - start.getTime()) / bucketMs > MAX_AUC_BUCKETS) {
      throw new DomainError('REQUEST.INVALID', `from..to spans more than ${MAX_AUC_BUCKETS} buckets of ${bucketSeconds} s; narrow the range or widen bucketSeconds`, [
        { path: 'from', message: `at most ${MAX_AUC_BUCKETS} buckets per read` },
      ]);
    }
    const byBucket = new Map<string, { bucketStart: string; weight: number; aggregate: number | null; personalized: number | null }>();
    for (const h of await this.repository.aucHistograms(domain, bucketSeconds, start, end)) {
      const point = byBucket.get(h.bucketStart) ?? { bucketStart: h.bucketStart, weight: 0, aggregate: null, personalized: null };
      point[h.model] = binnedAuc(h.positives, h.negatives) ?? null;
      // Both models score the same events: the weight is either's.
      point.weight = [...h.positives, ...h.negatives].reduce((sum, w) => sum + w, 0);
      byBucket.set(h.bucketStart, point);
    }
    return { ...answer, points: [...byBucket.values()] };
  }
}
