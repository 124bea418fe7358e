/**
 * What the MovieLens replay (`npm run demo`) reports (issue #12 part 5): the live run's prequential AUC per policy, the
 * τ² sweep computed offline on the same events, Steck's λ sweep (`experiment:calibration`'s), the calibrated
 * reranking the replay triggered, and drift-watch's alerts with what the simulator's calibration says of them. Plain
 * data (JSON-serialisable): `replay.json` beside `report.html` holds every number the report draws.
 */
export interface ReplayReport {
  readonly kind: 'movielens-replay';
  readonly title: string;
  /** ISO 8601 time the replay finished. */
  readonly generatedAt: string;
  readonly data: {
    /** The folder read (or what the events came from, for a fixture). */
    readonly source: string;
    /** Ratings in the files, and how many the replay posted (--limit). */
    readonly ratings: number;
    readonly replayed: number;
    readonly users: number;
    readonly items: number;
  };
  /** The run's settings as given, shown as they are. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** What the live pipeline did: events through HTTP and the learner, dead letters, times. */
  readonly run: ReplayRunFigures;
  /** Prequential AUC per policy: the live learner's two scores, then every τ² of the offline sweep. */
  readonly policies: readonly PolicyAuc[];
  /** The τ² the live learner used, per partition, as it published it (absent when --tau2 fixed it). */
  readonly learnedTau2?: readonly number[];
  /** AUC per policy over consecutive windows of the events (in replay order): how the models learned. */
  readonly aucOverTime: readonly AucWindow[];
  /** Steck's λ sweep on the replayed ratings (per-user time split). */
  readonly calibrationSweep: CalibrationSweepFigures;
  /** The calibrated lists the reranker made during the replay (triggered by drift alerts). */
  readonly reranking: CalibratedRerankingFigures;
  readonly alerts: readonly AlertCount[];
  /** The exposure of the alerts: what they are counted against when judged as signal or noise. */
  readonly alertExposure: AlertExposure;
}

export interface ReplayRunFigures {
  readonly accepted: number;
  readonly applied: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  readonly driftDeadLettered: number;
  /** Seconds from the first POST /v1/feedback to the learner having applied every accepted event. */
  readonly ingestSeconds: number;
  /** Seconds the offline sweeps (τ² and λ) took, measured in this run. */
  readonly tauSweepSeconds: number;
  readonly calibrationSweepSeconds: number;
  readonly totalSeconds: number;
  /** drift-watch had read every accepted event when the alerts were counted. */
  readonly driftCaughtUp: boolean;
  /** Services that stopped with an error: name and exit code. */
  readonly stopped: readonly { readonly service: string; readonly code: number | null }[];
}

export interface PolicyAuc {
  /** For people: "aggregate (live)", "personalized, τ² learned (live)", "τ² = 1 (offline)". */
  readonly policy: string;
  /** 'live': scored by the running learner; 'offline': the sweep on the same events with libs/reward. */
  readonly source: 'live' | 'offline';
  /** τ² of the personalized model; 0 = aggregate only; null = learned per partition (learnedTau2). */
  readonly tau2: number | null;
  readonly events: number;
  /** AUC on the last 10% of events in time, and on all of them; null when a slice holds one class only. */
  readonly tailAuc: number | null;
  readonly allAuc: number | null;
}

export interface AucWindow {
  readonly policy: string;
  /** Events scored up to the end of this window (the x of the chart). */
  readonly events: number;
  readonly auc: number;
}

export interface CalibrationSweepRow {
  readonly lambda: number;
  /** Mean C_KL(p ‖ q̃) of the returned lists (α = 0.01). */
  readonly kl: number;
  /** Mean precision@n against the user's held-out positives. */
  readonly precision: number;
  /** Mean share of the accuracy list's relevance kept. */
  readonly relevanceKept: number;
  /** Mean minority-interest share of the lists, and of the profiles (categories under 20% of the profile). */
  readonly minorityListShare: number;
  readonly minorityProfileShare: number;
  /** Users for whom the guard returned the accuracy list. */
  readonly accuracyListGuard: number;
}

export interface CalibrationSweepFigures {
  readonly settings: Readonly<Record<string, string | number>>;
  /** Users evaluated: enough training ratings and ≥ 1 held-out positive. */
  readonly evaluated: number;
  readonly rows: readonly CalibrationSweepRow[];
}

export interface CalibratedRerankingFigures {
  /** The rerank queue emptied before the figures were read (false: the lists made so far). */
  readonly drained: boolean;
  readonly lists: number;
  readonly users: number;
  readonly klBefore: number | null;
  readonly klAfter: number | null;
  readonly relevanceRetained: number | null;
  /** Over lists whose user has minority interests (categories under 20% of the profile). */
  readonly minority: { readonly lists: number; readonly profileShare: number | null; readonly before: number | null; readonly after: number | null };
}

export interface AlertCount {
  readonly scope: string;
  readonly metric: string;
  readonly n: number;
}

export interface AlertExposure {
  /** User-events past drift-watch's gate (a user is watched after DRIFT_USER_MIN_EVENTS events). */
  readonly watchedUserEvents: number;
  /** The gate used. */
  readonly userMinEvents: number;
  /** Population points drift-watch recorded (one per closed bucket, shard and metric), and distinct buckets among them. */
  readonly populationPoints: number;
  readonly populationBuckets: number;
  /** Width of a population bucket, seconds of event time. */
  readonly bucketSeconds: number;
}
