import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReplaySummary, renderReplayHtml, type AlertCount, type AucWindow, type CalibratedRerankingFigures, type PolicyAuc, type ReplayReport, type ReplayRunFigures } from '@chorus/report';
import type { MovieLensMovie, MovieLensRating } from '../movielens-reader';
import type { CalibrationSweep } from './calibration-sweep';
import { DEFAULT_TAU2_SWEEP, movieVectors, prequentialTauSweep, sliceAuc } from './prequential-sweep';

/** One of the live learner's prequential predictions (prequential_predictions), in the order it was read. */
export interface LivePrediction {
  readonly label: number;
  readonly pAggregate: number;
  readonly pPersonalized: number;
}

/** Windows of the AUC-over-time chart. */
const WINDOWS = 20;
/** The tail the summary's AUC is taken on: the last 10% of events in time. */
const TAIL = 0.1;

export interface ReplayReportInput {
  readonly title: string;
  readonly source: string;
  readonly ratingsInFile: number;
  /** The ratings the replay posted, in replay order. */
  readonly ratings: readonly MovieLensRating[];
  readonly movies: readonly MovieLensMovie[];
  readonly live: readonly LivePrediction[];
  /** The τ² the live run was given (--tau2); undefined when the learner learned it. */
  readonly fixedTau2?: number;
  /** The τ² each partition's learner published (learned runs). */
  readonly learnedTau2?: readonly number[];
  readonly reranking: CalibratedRerankingFigures;
  readonly alerts: readonly AlertCount[];
  /** drift-watch's gate, and the population points and buckets it recorded. */
  readonly drift: { readonly userMinEvents: number; readonly populationPoints: number; readonly populationBuckets: number; readonly bucketSeconds: number };
  readonly run: Omit<ReplayRunFigures, 'tauSweepSeconds' | 'calibrationSweepSeconds' | 'totalSeconds'>;
  readonly startedAt: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly tau2s?: readonly number[];
  /** Steck's λ sweep on the same ratings (calibrationSweep, or startCalibrationSweep while the replay runs). */
  readonly lambdaSweep: CalibrationSweep;
}

/** AUC over the whole run and over its tail, and per window, of one policy's scores. */
function policyAuc(policy: string, source: 'live' | 'offline', tau2: number | null, scores: ArrayLike<number>, labels: ArrayLike<number>, windows: AucWindow[]): PolicyAuc {
  const n = scores.length;
  const size = Math.ceil(n / WINDOWS);
  for (let from = 0; size > 0 && from < n; from += size) {
    const to = Math.min(n, from + size);
    const auc = sliceAuc(scores, labels, from, to);
    if (auc !== null) windows.push({ policy, events: to, auc });
  }
  return { policy, source, tau2, events: n, tailAuc: sliceAuc(scores, labels, Math.floor(n * (1 - TAIL)), n), allAuc: sliceAuc(scores, labels) };
}

/**
 * The replay's report: the live learner's prequential AUC, the offline τ² sweep computed here on the same ratings
 * (timed), Steck's λ sweep as given, the reranking and alerts as the caller read them from the run.
 */
export function buildReplayReport(input: ReplayReportInput): ReplayReport {
  const windows: AucWindow[] = [];
  const liveLabels = Uint8Array.from(input.live, (p) => (p.label >= 0.5 ? 1 : 0));
  const policies: PolicyAuc[] = [
    policyAuc('aggregate (live)', 'live', 0, Float64Array.from(input.live, (p) => p.pAggregate), liveLabels, windows),
    policyAuc(`personalized, τ² ${input.fixedTau2 ?? 'learned'} (live)`, 'live', input.fixedTau2 ?? null, Float64Array.from(input.live, (p) => p.pPersonalized), liveLabels, windows),
  ];

  const tau2s = input.tau2s ?? DEFAULT_TAU2_SWEEP;
  const tauStarted = performance.now();
  const sweep = prequentialTauSweep(input.ratings, movieVectors(input.movies), tau2s);
  tau2s.forEach((tau2, k) => policies.push(policyAuc(tau2 === 0 ? 'τ² = 0, aggregate (offline)' : `τ² = ${tau2} (offline)`, 'offline', tau2, sweep.personalized[k]!, sweep.labels, windows)));
  const tauSweepSeconds = (performance.now() - tauStarted) / 1000;

  const lambda = input.lambdaSweep;
  const calibrationOptions = lambda.options;
  const calibrationSweepSeconds = lambda.trainingSeconds + lambda.rerankingSeconds;

  const perUser = new Map<string, number>();
  for (const rating of input.ratings) perUser.set(rating.userId, (perUser.get(rating.userId) ?? 0) + 1);
  const watchedUserEvents = [...perUser.values()].reduce((sum, n) => sum + Math.max(0, n - input.drift.userMinEvents), 0);

  return {
    kind: 'movielens-replay',
    title: input.title,
    generatedAt: new Date().toISOString(),
    data: { source: input.source, ratings: input.ratingsInFile, replayed: input.ratings.length, users: perUser.size, items: input.movies.length },
    options: input.options,
    run: { ...input.run, tauSweepSeconds, calibrationSweepSeconds, totalSeconds: (Date.now() - input.startedAt) / 1000 },
    policies,
    ...(input.learnedTau2 && input.learnedTau2.length > 0 ? { learnedTau2: input.learnedTau2 } : {}),
    aucOverTime: windows,
    calibrationSweep: {
      settings: { tau2: calibrationOptions.tau2, candidates: calibrationOptions.candidates, n: calibrationOptions.n, testFraction: calibrationOptions.testFraction, minTrain: calibrationOptions.minTrain, profile: calibrationOptions.profile, relevance: calibrationOptions.relevance },
      evaluated: lambda.evaluated,
      rows: lambda.rows,
    },
    reranking: input.reranking,
    alerts: input.alerts,
    alertExposure: {
      watchedUserEvents,
      userMinEvents: input.drift.userMinEvents,
      populationPoints: input.drift.populationPoints,
      populationBuckets: input.drift.populationBuckets,
      bucketSeconds: input.drift.bucketSeconds,
    },
  };
}

/** Writes replay.json and report.html to `outDir`; returns the summary to print and the report's path and size. */
export async function writeReplayReport(report: ReplayReport, outDir: string): Promise<{ summary: string; htmlPath: string; jsonPath: string; bytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, 'replay.json');
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`);
  const html = await renderReplayHtml(report, { jsonFileName: 'replay.json' });
  const htmlPath = join(outDir, 'report.html');
  writeFileSync(htmlPath, html);
  return { summary: formatReplaySummary(report), htmlPath, jsonPath, bytes: Buffer.byteLength(html) };
}
