import { createHash } from 'node:crypto';
import { triggersRerank, type DriftMetricName, type DriftScope, type ExposureV1, type FeedbackEventV1 } from '@chorus/contracts';
import { deviationInPriorSd, servedCategoryMix, steckMiscalibration } from '@chorus/metrics';
import { ratingLabel } from '@chorus/reward';
import type { DetectorConfigs } from './detector-configs';
import type { DriftSegments } from './drift-segments';
import type { DriftState } from './drift-state';
import type { CatalogueItem, ItemCatalogue } from './item-catalogue';
import { MEAN_OF, POPULATION_METRICS, SEGMENT_METRICS, type PopulationBucket, type PopulationMetric, type PopulationShard, type StanceSnapshot } from './population-shard';
import { SignalWatch, type Detection, type SignalWatchState } from './signal-watch';
import { USER_METRICS, type UserDriftState, type UserMetric } from './user-drift-state';

/** Where a message came from; the topic is the base key (no deployment prefix), so alert ids do not depend on it. */
export interface MessageSource {
  topic: 'feedback' | 'exposures';
  partition: number;
  offset: string;
}

export type Outcome = 'applied' | 'duplicate' | { code: string; reason: string };

/** What the engine reports besides state: detections by outcome, and events too late for their bucket. */
export interface DriftObserver {
  detection(scope: DriftScope, metric: DriftMetricName, domain: string, outcome: 'alert' | 'expected' | 'unwatched'): void;
  late(domain: string): void;
}

export interface DriftEngineOptions {
  /** Per-user signals are fed to detectors from this many events on (DRIFT_USER_MIN_EVENTS). */
  minEvents: number;
  bucketMs: number;
  latenessMs: number;
  homogenizationPairs: number;
  polarizationMinUsers: number;
  /**
   * A segment's mean of a signal in a bucket becomes a point (and is watched) only when at least this many of its
   * gated members contributed to it in the shard (DRIFT_SEGMENT_MIN_USERS): a mean of two users is one user's noise.
   */
  segmentMinUsers: number;
  /** An input topic lagging the other by more than this (event time) is treated as stalled and stops holding buckets open. */
  maxInputSkewMs: number;
  /** Recent event ids / list ids remembered per user, to count client retries once. */
  dedupeWindow: number;
  /** Harmful calibration and diversity alerts ask for a calibrated rerank. */
  rerank: boolean;
}

/** Index of each per-user signal in USER_METRICS: the signals an event changed are kept in a typed array by it. */
const EXPOSURE_ENTROPY = USER_METRICS.indexOf('exposure-entropy');
const CONSUMPTION_ENTROPY = USER_METRICS.indexOf('consumption-entropy');
const MISCALIBRATION = USER_METRICS.indexOf('miscalibration');
const PERSONAL_DIVERGENCE = USER_METRICS.indexOf('personal-divergence');
const STANCE_EXTREMITY = USER_METRICS.indexOf('stance-extremity');
const STANCE_REINFORCEMENT = USER_METRICS.indexOf('stance-reinforcement');

/**
 * Applies feedback events and served lists to the per-user and per-population drift state, runs the detectors the
 * configuration names, and raises alerts. Synchronous and free of I/O: the caller has loaded the users, items and
 * vocabularies the events need (see ObserveEventsUseCase) — which is also what lets the benchmark time exactly the
 * metric and detector work.
 */
export class DriftEngine {
  /**
   * The signals the event being applied changed: values by USER_METRICS index, and a bit per index set. Every event
   * goes through them, so they are reused rather than allocated; the engine is synchronous, so one event at a time.
   * Each event type changes its signals in USER_METRICS order, so walking the bits in index order is the order in
   * which they changed.
   */
  private readonly changedValues = new Float64Array(USER_METRICS.length);
  private changedBits = 0;
  /** The event's catalogue items, their category vectors, the served mix q and the consumption profile p: reused. */
  private readonly eventItems: CatalogueItem[] = [];
  private readonly itemVectors: Float64Array[] = [];
  private served = new Float64Array(0);
  private profile = new Float64Array(0);

  constructor(
    private readonly state: DriftState,
    private readonly catalogue: ItemCatalogue,
    private readonly configs: DetectorConfigs,
    private readonly segments: DriftSegments,
    private readonly options: DriftEngineOptions,
    private readonly observer: DriftObserver,
  ) {}

  applyFeedback(event: FeedbackEventV1, source: MessageSource): Outcome {
    const rejected =
      event.type === 'pairwise'
        ? (this.lookup(event.chosenId, event.domain, 0) ?? this.lookup(event.rejectedId, event.domain, 1))
        : this.lookup(event.itemId, event.domain, 0);
    if (rejected) return rejected;
    const items = this.eventItems;
    items.length = event.type === 'pairwise' ? 2 : 1;
    const user = this.state.user(event.userId, event.domain);
    if (!user.remember(event.eventId, this.options.dedupeWindow)) return 'duplicate';
    const at = Date.parse(event.occurredAt);
    this.state.shard(event.domain, source.partition).markStanceBucket(this.bucketStart(at));
    const { shard, bucket } = this.beginEvent(user, source, at);
    if (event.type === 'pairwise') shard.nonAttitude.observe(event, bucket?.start);

    const consumed = this.consumedItem(event, items);
    this.changedBits = 0;
    if (consumed) {
      const vocabulary = this.catalogue.vocabularies.get(event.domain)!;
      const mix = user.mix('consumption', vocabulary.size);
      mix.observe(this.catalogue.vector(consumed));
      this.change(CONSUMPTION_ENTROPY, mix.normalizedEntropy());
      if (consumed.stance !== undefined) {
        user.stance.observeConsumed(consumed.stance);
        this.change(STANCE_EXTREMITY, user.stance.extremity);
      }
      bucket?.homogenization?.recordConsumption(user.userId, consumed.itemId);
    }
    this.observeSignals(user, shard, bucket, at, source);
    this.closeBuckets(shard, source);
    return 'applied';
  }

  applyExposure(exposure: ExposureV1, source: MessageSource): Outcome {
    const items = this.eventItems;
    items.length = exposure.items.length;
    for (let i = 0; i < exposure.items.length; i++) {
      const rejected = this.lookup(exposure.items[i]!.itemId, exposure.domain, i);
      if (rejected) return rejected;
    }
    const user = this.state.user(exposure.userId, exposure.domain);
    if (!user.remember(`list:${exposure.listId}`, this.options.dedupeWindow)) return 'duplicate';
    const at = Date.parse(exposure.servedAt);
    const { shard, bucket } = this.beginEvent(user, source, at);
    const vocabulary = this.catalogue.vocabularies.get(exposure.domain)!;

    const vectors = this.itemVectors;
    vectors.length = items.length;
    for (let i = 0; i < items.length; i++) vectors[i] = this.catalogue.vector(items[i]!);
    if (this.served.length !== vocabulary.size) this.served = new Float64Array(vocabulary.size);
    const served = servedCategoryMix(vectors, undefined, this.served);
    const mix = user.mix('exposure', vocabulary.size);
    mix.observe(served);
    this.changedBits = 0;
    this.change(EXPOSURE_ENTROPY, mix.normalizedEntropy());
    if (user.consumptionMix !== undefined) {
      if (this.profile.length !== vocabulary.size) this.profile = new Float64Array(vocabulary.size);
      const profile = user.mix('consumption', vocabulary.size).distribution(this.profile)!;
      user.miscalibration.update(steckMiscalibration(profile, served));
      this.change(MISCALIBRATION, user.miscalibration.value);
    }
    const userStance = user.stance.userStance;
    if (userStance !== undefined) {
      let any = false;
      for (const item of items) {
        if (item.stance === undefined) continue;
        user.reinforcement.observeServed(item.stance, userStance);
        any = true;
      }
      if (any) this.change(STANCE_REINFORCEMENT, user.reinforcement.value);
    }
    if (bucket) for (const item of items) bucket.gini.record(item.itemId);
    this.observeSignals(user, shard, bucket, at, source);
    this.closeBuckets(shard, source);
    return 'applied';
  }

  /**
   * A fresh reading of the user's deviation b_u from the learner: personal divergence = sqrt(Σ b²/τ²) in prior
   * standard deviations. Not an event of the user (the gate does not move); observed at the event time given.
   */
  applyDivergence(userId: string, domain: string, deviationMeans: number[], tau: number, atMs: number, source: MessageSource): void {
    const user = this.state.user(userId, domain);
    user.divergenceAt = user.events;
    user.dirty = true;
    if (!(tau > 0)) return;
    const shard = this.state.shard(domain, source.partition);
    const bucket = this.isLate(shard, this.bucketStart(atMs)) ? undefined : this.openBucket(shard, atMs);
    this.changedBits = 0;
    this.change(PERSONAL_DIVERGENCE, deviationInPriorSd(deviationMeans, tau));
    this.observeSignals(user, shard, bucket, atMs, source);
  }

  /** Puts the catalogue item `id` at `eventItems[at]`, or says why the message cannot be applied. */
  private lookup(id: string, domain: string, at: number): { code: string; reason: string } | undefined {
    const item = this.catalogue.get(id);
    if (!item) return { code: 'DRIFT.UNKNOWN_ITEM', reason: `item "${id}" is not in the catalogue; PUT /v1/items/${id} first, then replay the message` };
    if (item.domain !== domain) {
      return { code: 'DRIFT.DOMAIN_MISMATCH', reason: `item "${id}" belongs to domain "${item.domain}" but the message says "${domain}"` };
    }
    this.eventItems[at] = item;
    return undefined;
  }

  /** Records a signal the event changed (an undefined value changes nothing, as before it had a value). */
  private change(metric: number, value: number | undefined): void {
    if (value === undefined) return;
    this.changedValues[metric] = value;
    this.changedBits |= 1 << metric;
  }

  /** Consumption = what the user chose: a click, a positive rating, the chosen side of a (non-tied) comparison. */
  private consumedItem(event: FeedbackEventV1, items: CatalogueItem[]): CatalogueItem | undefined {
    switch (event.type) {
      case 'click':
        return items[0];
      case 'rating':
        return ratingLabel(event.value, event.scale).y === 1 ? items[0] : undefined;
      case 'pairwise':
        return event.tie ? undefined : items[0];
      case 'skip':
        return undefined;
    }
  }

  private beginEvent(user: UserDriftState, source: MessageSource, at: number): { shard: PopulationShard; bucket: PopulationBucket | undefined } {
    user.events += 1;
    user.dirty = true;
    const shard = this.state.shard(user.domain, source.partition);
    shard.dirty = true;
    const start = this.bucketStart(at);
    const late = this.isLate(shard, start);
    if (late) this.observer.late(user.domain);
    const bucket = late ? undefined : this.openBucket(shard, at);
    if (bucket) bucket.events += 1;
    shard.advanceInput(source.topic, at);
    return { shard, bucket };
  }

  private bucketStart(at: number): number {
    return Math.floor(at / this.options.bucketMs) * this.options.bucketMs;
  }

  /** A bucket is closed (its late events no longer count) once the watermark passed its end plus the lateness. */
  private isLate(shard: PopulationShard, start: number): boolean {
    if (shard.closedBefore !== null && start < shard.closedBefore) return true;
    const watermark = shard.watermark(this.options.maxInputSkewMs);
    return watermark !== null && start + this.options.bucketMs + this.options.latenessMs <= watermark;
  }

  private openBucket(shard: PopulationShard, at: number): PopulationBucket {
    const vocabulary = this.catalogue.vocabularies.get(shard.domain);
    return shard.bucket(this.bucketStart(at), vocabulary?.itemCount ?? 0, this.options.homogenizationPairs);
  }

  /** Records the changed signals, feeds the detectors of a gated user, and updates the population bucket. */
  private observeSignals(user: UserDriftState, shard: PopulationShard, bucket: PopulationBucket | undefined, at: number, source: MessageSource): void {
    const changed = this.changedBits;
    const gated = user.events >= this.options.minEvents;
    if (gated && user.events === this.options.minEvents) shard.offerToPanel(user.userId);
    const stance = user.stance.userStance;
    if (gated && stance !== undefined && user.popStance !== stance) {
      shard.setStance(user.popStance, stance);
      user.popStance = stance;
    }
    const bucketStart = this.bucketStart(at);
    for (let i = 0; i < USER_METRICS.length; i++) {
      if ((changed & (1 << i)) === 0) continue;
      const metric = USER_METRICS[i]!;
      const value = this.changedValues[i]!;
      user.last[metric] = value;
      this.state.recordUserPoint(user, i, bucketStart, value);
      if (!gated) continue;
      const watch = this.watch(user, metric, user.domain);
      const detection = watch?.observe(value, at);
      if (detection) this.handle('user', user.userId, user.domain, metric, detection, source);
    }
    if (!gated || bucket === undefined || (user.bucket !== null && bucket.start < user.bucket)) return;
    if (user.bucket !== bucket.start) {
      user.bucket = bucket.start;
      user.contrib = {};
      bucket.users += 1;
    }
    const segments = this.segments.of(user.domain, user.userId);
    for (let i = 0; i < USER_METRICS.length; i++) {
      if ((changed & (1 << i)) === 0) continue;
      const metric = USER_METRICS[i]!;
      const value = this.changedValues[i]!;
      bucket.contribute(metric, value, user.contrib[metric]);
      user.contrib[metric] = value;
      for (const name of segments) bucket.segment(name).contribute(user.userId, metric, value);
    }
  }

  /** Closes every bucket the watermark has passed (end + lateness), oldest first, and watches its values. */
  private closeBuckets(shard: PopulationShard, source: MessageSource): void {
    const watermark = shard.watermark(this.options.maxInputSkewMs);
    if (watermark === null) return;
    let any = false;
    for (const start of shard.buckets.keys()) if (start + this.options.bucketMs + this.options.latenessMs <= watermark) any = true;
    if (!any) return;
    const due = [...shard.buckets.values()]
      .filter((b) => b.start + this.options.bucketMs + this.options.latenessMs <= watermark)
      .sort((a, b) => a.start - b.start);
    for (const bucket of due) {
      shard.buckets.delete(bucket.start);
      const end = bucket.start + this.options.bucketMs;
      shard.closedBefore = shard.closedBefore === null ? end : Math.max(shard.closedBefore, end);
      const stance = shard.stanceAt(bucket.start);
      const nonAttitude = shard.closeNonAttitude(bucket.start);
      for (const metric of POPULATION_METRICS) {
        const value = metric === 'non-attitude-share' ? nonAttitude?.value : this.populationValue(bucket, metric, stance);
        if (value === undefined) continue;
        this.state.recordPopulationPoint({ domain: shard.domain, metric, shard: shard.partition, bucketStart: bucket.start, value, users: bucket.users, events: bucket.events });
        const watch = this.watch(shard, metric, shard.domain);
        const detection = watch?.observe(value, end);
        if (detection) this.handle('population', shard.domain, shard.domain, metric, detection, source, shard.partition);
      }
      this.closeSegments(shard, bucket, source);
    }
    shard.pruneSegments((name) => this.segments.changeId(shard.domain, name) !== undefined);
  }

  /**
   * The segments' points of a closing bucket: per segment still defined and mean metric, the mean over the members
   * that contributed — when at least `segmentMinUsers` did — watched under the same configuration (metric and domain)
   * as the population's mean, so a segment is judged by the population's yardstick and the domain's policy.
   */
  private closeSegments(shard: PopulationShard, bucket: PopulationBucket, source: MessageSource): void {
    const end = bucket.start + this.options.bucketMs;
    for (const name of [...bucket.segments.keys()].sort()) {
      const changeId = this.segments.changeId(shard.domain, name);
      if (changeId === undefined) continue;
      const segment = bucket.segments.get(name)!;
      for (const metric of SEGMENT_METRICS) {
        const of = MEAN_OF[metric]!;
        const users = segment.means.count(of);
        const value = segment.means.mean(of);
        if (value === undefined || users < this.options.segmentMinUsers) continue;
        this.state.recordSegmentPoint({ domain: shard.domain, segment: name, metric, shard: shard.partition, bucketStart: bucket.start, value, users });
        const watch = this.watch(shard.segmentWatch(name, changeId), metric, shard.domain);
        const detection = watch?.observe(value, end);
        if (detection) this.handle('segment', name, shard.domain, metric, detection, source, shard.partition);
      }
    }
  }

  private populationValue(bucket: PopulationBucket, metric: PopulationMetric, stance: StanceSnapshot | undefined): number | undefined {
    const of = MEAN_OF[metric];
    if (of !== undefined) return bucket.means.mean(of);
    switch (metric) {
      case 'exposure-gini':
        return bucket.gini.value;
      case 'homogenization':
        return bucket.homogenization?.value;
      case 'polarization':
        return stance && stance.users >= this.options.polarizationMinUsers ? (stance.polarization ?? undefined) : undefined;
      case 'bimodality':
        return stance && stance.users >= this.options.polarizationMinUsers ? (stance.bimodality ?? undefined) : undefined;
      default:
        return undefined;
    }
  }

  /** The watch of a metric under the configuration in force (revived from storage, or rebuilt after a change). */
  private watch<M extends UserMetric | PopulationMetric>(
    owner: { watches: Map<M, SignalWatch>; storedWatches: Partial<Record<M, SignalWatchState>> },
    metric: M,
    domain: string,
  ): SignalWatch | undefined {
    const config = this.configs.effective(metric, domain);
    if (!config.config.enabled) return undefined;
    const current = owner.watches.get(metric);
    let watch: SignalWatch;
    if (current === undefined) {
      const stored = owner.storedWatches[metric];
      watch = stored ? SignalWatch.restore(stored, config) : SignalWatch.create(config);
      delete owner.storedWatches[metric];
    } else {
      watch = current.reconfigure(config);
    }
    if (watch !== current) owner.watches.set(metric, watch);
    return watch;
  }

  private handle(
    scope: DriftScope,
    subject: string,
    domain: string,
    metric: DriftMetricName,
    detection: Detection,
    source: MessageSource,
    shard?: number,
  ): void {
    const outcome = !detection.watched ? 'unwatched' : detection.harmful ? 'alert' : 'expected';
    this.observer.detection(scope, metric, domain, outcome);
    if (outcome !== 'alert') return;
    const where = `${source.topic}:${source.partition}:${source.offset}`;
    this.state.raise({
      eventAtMs: detection.windowEndMs,
      source: where,
      alert: {
        alertId: deterministicUuid(`${scope}|${subject}|${domain}|${metric}|${where}`),
        scope,
        subject,
        domain,
        metric,
        detector: detection.detector,
        direction: detection.direction,
        value: detection.value,
        baseline: detection.baseline,
        severity: detection.severity,
        window: {
          start: new Date(detection.windowStartMs).toISOString(),
          end: new Date(detection.windowEndMs).toISOString(),
          observations: detection.observations,
          // Population and segment series are per time bucket and partition shard (see the README).
          ...(scope !== 'user' ? { bucketSeconds: this.options.bucketMs / 1000, shard } : {}),
        },
        configVersion: detection.configVersion,
        raisedAt: new Date().toISOString(),
        rerankRequested: this.options.rerank && triggersRerank(metric),
      },
    });
  }
}

/** A UUID (version-4 layout) derived from a string, so a replay of the same detection yields the same alert id. */
export function deterministicUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
