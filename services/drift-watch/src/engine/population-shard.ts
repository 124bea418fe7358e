import { createHash } from 'node:crypto';
import type { DriftMetricName } from '@chorus/contracts';
import {
  BimodalityCoefficient,
  EstebanRayPolarization,
  ExposureGini,
  Homogenization,
  MinHashFamily,
  sampleUserPairs,
  type BimodalityCoefficientState,
  type EstebanRayState,
  type ExposureGiniState,
  type HomogenizationState,
} from '@chorus/metrics';
import { NonAttitudeShare, type StoredNonAttitudeShare } from './non-attitude-share';
import { SegmentBucket, SegmentWatches, type SegmentMetric, type StoredSegmentBucket, type StoredSegmentWatches } from './segment-watch';
import { SignalMeans, type StoredSignalMeans } from './signal-means';
import type { SignalWatch, SignalWatchState } from './signal-watch';
import type { UserMetric } from './user-drift-state';

export const POPULATION_METRICS = [
  'mean-exposure-entropy',
  'mean-consumption-entropy',
  'mean-miscalibration',
  'mean-personal-divergence',
  'mean-stance-extremity',
  'mean-stance-reinforcement',
  'exposure-gini',
  'homogenization',
  'polarization',
  'bimodality',
  'non-attitude-share',
] as const satisfies readonly DriftMetricName[];
export type PopulationMetric = (typeof POPULATION_METRICS)[number];

/**
 * The MinHash family of every bucket's homogenization panel (the metric's default k and seed), shared by all shards of
 * the process: its cache of per-item hash rows is a pure memo, so one bucket after another (and one shard beside
 * another) hashes an item once instead of k times per consumption.
 */
const MINHASH = new MinHashFamily({ k: 128, seed: 0x5eed });

/** The population mean of each per-user signal. */
export const MEAN_OF: Readonly<Partial<Record<PopulationMetric, UserMetric>>> = {
  'mean-exposure-entropy': 'exposure-entropy',
  'mean-consumption-entropy': 'consumption-entropy',
  'mean-miscalibration': 'miscalibration',
  'mean-personal-divergence': 'personal-divergence',
  'mean-stance-extremity': 'stance-extremity',
  'mean-stance-reinforcement': 'stance-reinforcement',
};

/** What a segment is watched on: the means of the per-user signals, as the population's `mean-*` metrics. */
export const SEGMENT_METRICS = POPULATION_METRICS.filter((metric): metric is SegmentMetric => MEAN_OF[metric] !== undefined);

/**
 * One open time bucket of a shard: signal means (of the population and of each segment), exposures for Gini,
 * consumption for homogenization.
 */
export class PopulationBucket {
  events = 0;
  users = 0;
  readonly means: SignalMeans;
  /** Per segment name: the means over the segment's members active in the bucket. */
  readonly segments = new Map<string, SegmentBucket>();

  constructor(
    readonly start: number,
    readonly gini: ExposureGini,
    readonly homogenization: Homogenization | undefined,
    means = new SignalMeans(),
  ) {
    this.means = means;
  }

  /** Adds (or replaces) a user's contribution of one signal to the bucket's mean. */
  contribute(metric: UserMetric, value: number, previous: number | undefined): void {
    this.means.contribute(metric, value, previous);
  }

  /** The bucket's share of a segment, opened on the segment's first contribution. */
  segment(name: string): SegmentBucket {
    let bucket = this.segments.get(name);
    if (bucket === undefined) this.segments.set(name, (bucket = new SegmentBucket()));
    return bucket;
  }

  toJSON(): StoredBucket {
    return {
      start: this.start,
      events: this.events,
      users: this.users,
      sums: this.means.toJSON(),
      gini: this.gini.toJSON(),
      homogenization: this.homogenization?.toJSON() ?? null,
      ...(this.segments.size > 0 ? { segments: Object.fromEntries([...this.segments].map(([name, bucket]) => [name, bucket.toJSON()])) } : {}),
    };
  }

  static fromJSON(state: StoredBucket): PopulationBucket {
    const bucket = new PopulationBucket(
      state.start,
      ExposureGini.fromJSON(state.gini),
      state.homogenization ? Homogenization.fromJSON(state.homogenization, MINHASH) : undefined,
      SignalMeans.fromJSON(state.sums),
    );
    bucket.events = state.events;
    bucket.users = state.users;
    for (const [name, stored] of Object.entries(state.segments ?? {})) bucket.segments.set(name, new SegmentBucket(stored));
    return bucket;
  }
}

interface StoredBucket {
  start: number;
  events: number;
  users: number;
  sums: StoredSignalMeans;
  gini: ExposureGiniState;
  homogenization: HomogenizationState | null;
  /** Absent in state stored before segments existed, and when no segment member was active. */
  segments?: Record<string, StoredSegmentBucket>;
}

/** Polarization and bimodality of the shard's users as of the end of a time bucket (of the feedback stream). */
export interface StanceSnapshot {
  bucket: number;
  polarization: number | null;
  bimodality: number | null;
  users: number;
}

export type ShardInput = 'feedback' | 'exposures';

/** How a shard is stored (drift_population_state.state). */
export interface StoredPopulationShard {
  v: 1;
  /** Highest event time (ms) seen per input topic, and the earliest event time seen at all. */
  inputs: Record<ShardInput, number | null>;
  firstEvent: number | null;
  /** The latest feedback bucket, and snapshots of the stance metrics at the end of earlier feedback buckets. */
  stanceBucket: number | null;
  stanceSnapshots: StanceSnapshot[];
  /** Buckets starting before this are closed: their late events no longer count. */
  closedBefore: number | null;
  buckets: StoredBucket[];
  polarization: EstebanRayState;
  bimodality: BimodalityCoefficientState;
  /** Bottom-k hash sample of the shard's gated users: the pool each bucket's homogenization panel is drawn from. */
  panel: [number, string][];
  watches: Partial<Record<PopulationMetric, SignalWatchState>>;
  /** Per segment name: the detectors of its mean series (absent in state stored before segments existed). */
  segments?: Record<string, StoredSegmentWatches>;
  /** The non-attitude share's reliability state and open buckets (absent before the first pairwise judgment). */
  nonAttitude?: StoredNonAttitudeShare;
}

/**
 * The population of one domain as seen by one Kafka partition (a uniform hash sample of the users): open time
 * buckets, the users' stances (for polarization and bimodality), the panel pool, and the detectors of the population
 * series. Partitions are drift-watch's unit of parallelism and ownership, so population state is kept per partition
 * and committed with that partition's offsets (see the README for what that means for the estimates).
 */
export class PopulationShard {
  dirty = false;
  readonly inputs: Record<ShardInput, number | null> = { feedback: null, exposures: null };
  firstEvent: number | null = null;
  stanceBucket: number | null = null;
  stanceSnapshots: StanceSnapshot[] = [];
  closedBefore: number | null = null;
  readonly buckets = new Map<number, PopulationBucket>();
  polarization: EstebanRayPolarization;
  bimodality = new BimodalityCoefficient();
  /** Sorted by hash ascending; at most `panelPool` entries. */
  panel: [number, string][] = [];
  readonly watches = new Map<PopulationMetric, SignalWatch>();
  storedWatches: Partial<Record<PopulationMetric, SignalWatchState>> = {};
  /** Per segment name: its watches, revived from `storedSegments` on the segment's first closed bucket. */
  private readonly segmentWatches = new Map<string, SegmentWatches>();
  private storedSegments: Record<string, StoredSegmentWatches> = Object.create(null);
  private nonAttitudeShare: NonAttitudeShare | undefined;

  constructor(
    readonly domain: string,
    readonly partition: number,
    polarizationAlpha: number,
    private readonly panelPool: number,
  ) {
    this.polarization = new EstebanRayPolarization({ alpha: polarizationAlpha });
  }

  static restore(domain: string, partition: number, panelPool: number, stored: StoredPopulationShard): PopulationShard {
    const polarization = EstebanRayPolarization.fromJSON(stored.polarization);
    const shard = new PopulationShard(domain, partition, polarization.alpha, panelPool);
    shard.polarization = polarization;
    shard.bimodality = BimodalityCoefficient.fromJSON(stored.bimodality);
    shard.inputs.feedback = stored.inputs.feedback;
    shard.inputs.exposures = stored.inputs.exposures;
    shard.firstEvent = stored.firstEvent;
    shard.stanceBucket = stored.stanceBucket;
    shard.stanceSnapshots = stored.stanceSnapshots;
    shard.closedBefore = stored.closedBefore;
    for (const bucket of stored.buckets) shard.buckets.set(bucket.start, PopulationBucket.fromJSON(bucket));
    shard.panel = stored.panel;
    shard.storedWatches = { ...stored.watches };
    // Null prototype: segment names are chosen by operators, and "__proto__" must be a segment, not the prototype.
    shard.storedSegments = Object.assign(Object.create(null), stored.segments);
    if (stored.nonAttitude) shard.nonAttitudeShare = NonAttitudeShare.restore(stored.nonAttitude);
    return shard;
  }

  /** The watches of a segment as defined now (`changeId`); a redefined segment's watches start over. */
  segmentWatch(name: string, changeId: number): SegmentWatches {
    let watches = this.segmentWatches.get(name);
    if (watches === undefined || watches.changeId !== changeId) {
      watches = new SegmentWatches(changeId, this.storedSegments[name]);
      delete this.storedSegments[name];
      this.segmentWatches.set(name, watches);
    }
    return watches;
  }

  /** The non-attitude share's state, made on the shard's first pairwise judgment. */
  get nonAttitude(): NonAttitudeShare {
    return (this.nonAttitudeShare ??= NonAttitudeShare.create());
  }

  /** A closing bucket's non-attitude share (undefined in a shard that never saw a pairwise judgment). */
  closeNonAttitude(bucketStart: number): { value: number; judgments: number } | undefined {
    return this.nonAttitudeShare?.close(bucketStart);
  }

  /** Forgets the detectors of segments no longer defined (deleted): their state would only grow the shard's row. */
  pruneSegments(defined: (name: string) => boolean): void {
    for (const name of this.segmentWatches.keys()) if (!defined(name)) this.segmentWatches.delete(name);
    for (const name of Object.keys(this.storedSegments)) if (!defined(name)) delete this.storedSegments[name];
  }

  /**
   * Offers a newly gated user to the panel pool: the `panelPool` users with the smallest hash of their id, a uniform
   * sample that is the same whatever order users arrive in.
   */
  offerToPanel(userId: string): void {
    const hash = createHash('sha1').update(userId).digest().readUInt32BE(0);
    if (this.panel.length >= this.panelPool && hash >= this.panel[this.panel.length - 1]![0]) return;
    let i = this.panel.findIndex(([h, id]) => h > hash || (h === hash && id > userId));
    if (i < 0) i = this.panel.length;
    // Sorted by (hash, id): a user already in the pool sits just before the insertion point. A user is offered again
    // whenever its signals are observed at exactly the gate (a model reading adds no event), so this check matters.
    if (this.panel[i - 1]?.[1] === userId) return;
    this.panel.splice(i, 0, [hash, userId]);
    if (this.panel.length > this.panelPool) this.panel.pop();
  }

  /** The open bucket starting at `start`, opened (with a panel drawn from the pool) if needed. */
  bucket(start: number, catalogueSize: number, pairs: number): PopulationBucket {
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      // Distinct ids: a pool stored before offerToPanel refused repeats may hold a user twice, and asking the sampler
      // for more pairs than the distinct users allow would throw for every event of the bucket.
      const users = [...new Set(this.panel.map(([, id]) => id))].sort();
      const possible = (users.length * (users.length - 1)) / 2;
      const homogenization =
        possible >= 1 ? new Homogenization({ pairs: sampleUserPairs(users, Math.min(pairs, possible), (start / 1000) >>> 0), family: MINHASH }) : undefined;
      bucket = new PopulationBucket(start, new ExposureGini({ catalogueSize: Math.max(0, catalogueSize) }), homogenization);
      this.buckets.set(start, bucket);
    }
    return bucket;
  }

  /**
   * The event time up to which the shard has seen every input: the minimum of the inputs' highest event times. A
   * partition's two topics arrive as separate batches, so one may run ahead; a bucket must wait for the slower one.
   * An input that has not delivered yet stands at the shard's first event. An input lagging the newest by more than
   * `maxSkewMs` is treated as stalled (or absent: a deployment without exposures) and no longer holds buckets open.
   */
  watermark(maxSkewMs: number): number | null {
    if (this.firstEvent === null) return null;
    const f = this.inputs.feedback ?? this.firstEvent;
    const e = this.inputs.exposures ?? this.firstEvent;
    const newest = f > e ? f : e;
    return Math.min(newest - f <= maxSkewMs ? f : Infinity, newest - e <= maxSkewMs ? e : Infinity);
  }

  /** Records that an input delivered an event at `at`. */
  advanceInput(input: ShardInput, at: number): void {
    const seen = this.inputs[input];
    this.inputs[input] = seen === null ? at : Math.max(seen, at);
    this.firstEvent = this.firstEvent === null ? at : Math.min(this.firstEvent, at);
  }

  /**
   * Called before a feedback event of bucket `bucket` changes any stance: if it opens a later bucket than the last
   * one, the stance metrics as they stand are those at the end of the last one. Population polarization of a bucket is
   * then read from its end, whenever the bucket happens to close.
   */
  markStanceBucket(bucket: number): void {
    if (this.stanceBucket !== null && bucket > this.stanceBucket) {
      this.stanceSnapshots.push({
        bucket: this.stanceBucket,
        polarization: this.polarization.value ?? null,
        bimodality: this.bimodality.value ?? null,
        users: this.polarization.populationSize,
      });
    }
    if (this.stanceBucket === null || bucket > this.stanceBucket) this.stanceBucket = bucket;
  }

  /** Stance metrics as of the end of bucket `bucket` (undefined when no user had a stance by then). */
  stanceAt(bucket: number): StanceSnapshot | undefined {
    if (this.stanceBucket === null) return undefined;
    if (this.stanceBucket <= bucket) {
      return { bucket, polarization: this.polarization.value ?? null, bimodality: this.bimodality.value ?? null, users: this.polarization.populationSize };
    }
    let found: StanceSnapshot | undefined;
    for (const snapshot of this.stanceSnapshots) if (snapshot.bucket <= bucket) found = snapshot;
    // Older snapshots can no longer be asked for (buckets close in order): keep the one that may serve later buckets.
    if (found) this.stanceSnapshots = this.stanceSnapshots.filter((s) => s.bucket >= found!.bucket);
    return found;
  }

  /** Counts the user's stance in (or moves it within) polarization and bimodality. */
  setStance(previous: number | null, next: number): void {
    if (previous === null) {
      this.polarization.add(next);
      this.bimodality.add(next);
    } else if (previous !== next) {
      this.polarization.update(previous, next);
      this.bimodality.update(previous, next);
    }
  }

  toJSON(): StoredPopulationShard {
    const watches: Partial<Record<PopulationMetric, SignalWatchState>> = { ...this.storedWatches };
    for (const [metric, watch] of this.watches) watches[metric] = watch.toJSON();
    const segments: Record<string, StoredSegmentWatches> = Object.assign(Object.create(null), this.storedSegments);
    for (const [name, segment] of this.segmentWatches) segments[name] = segment.toJSON();
    return {
      v: 1,
      inputs: this.inputs,
      firstEvent: this.firstEvent,
      stanceBucket: this.stanceBucket,
      stanceSnapshots: this.stanceSnapshots,
      closedBefore: this.closedBefore,
      buckets: [...this.buckets.values()].sort((a, b) => a.start - b.start).map((b) => b.toJSON()),
      polarization: this.polarization.toJSON(),
      bimodality: this.bimodality.toJSON(),
      panel: this.panel,
      watches,
      ...(Object.keys(segments).length > 0 ? { segments } : {}),
      ...(this.nonAttitudeShare ? { nonAttitude: this.nonAttitudeShare.toJSON() } : {}),
    };
  }
}
