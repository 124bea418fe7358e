import type { DriftMetricName } from '@chorus/contracts';
import {
  ExponentialCategoryMix,
  ExponentialMean,
  StanceExtremity,
  StanceReinforcement,
  type ExponentialCategoryMixState,
  type ExponentialMeanState,
  type StanceExtremityState,
  type StanceReinforcementState,
} from '@chorus/metrics';
import { DedupeWindow } from './dedupe-window';
import type { SignalWatch, SignalWatchState } from './signal-watch';

export const USER_METRICS = [
  'exposure-entropy',
  'consumption-entropy',
  'miscalibration',
  'personal-divergence',
  'stance-extremity',
  'stance-reinforcement',
] as const satisfies readonly DriftMetricName[];
export type UserMetric = (typeof USER_METRICS)[number];

/** A user's drift state as the engine stores it (drift_user_state.state, binary: user-state.codec.ts). */
export interface StoredUserDriftState {
  v: 2;
  /** Events (feedback + served lists) seen in the domain: per-user signals are watched from DRIFT_USER_MIN_EVENTS on. */
  events: number;
  exposureMix: ExponentialCategoryMixState | null;
  consumptionMix: ExponentialCategoryMixState | null;
  /** EW mean of the per-list C_KL: one list's C_KL is too noisy (10 items vs a profile) to watch directly. */
  miscalibration: ExponentialMeanState;
  stance: StanceExtremityState;
  reinforcement: StanceReinforcementState;
  /** `events` when b_u was last read from the learner's state. */
  divergenceAt: number;
  watches: Partial<Record<UserMetric, SignalWatchState>>;
  /** Latest value of each signal. */
  last: Partial<Record<UserMetric, number>>;
  /** Hashes (stableHash53) of the recent eventIds and `list:`listIds, oldest first: retried messages are counted once. */
  recent: number[];
  /** The stance this user contributes to the shard's polarization and bimodality (null: not counted yet). */
  popStance: number | null;
  /** The time bucket the user's values were last added to, and what was added (so an update replaces it). */
  bucket: number | null;
  contrib: Partial<Record<UserMetric, number>>;
}

/** Version 1: JSON in a jsonb column, the window's ids in clear (before migration DriftUserStateBinary). */
export interface StoredUserDriftStateV1 extends Omit<StoredUserDriftState, 'v' | 'recent'> {
  v: 1;
  recent: string[];
}

/** One user's drift state in one domain, in memory. */
export class UserDriftState {
  dirty = false;
  exposureMix: ExponentialCategoryMix | undefined;
  consumptionMix: ExponentialCategoryMix | undefined;
  miscalibration: ExponentialMean;
  stance: StanceExtremity;
  reinforcement: StanceReinforcement;
  events = 0;
  divergenceAt = 0;
  /**
   * In memory only: `events` when b_u was last asked for and the learner had none. Not stored, because when that
   * happens depends on batch boundaries, and the stored state must depend only on the events.
   */
  divergenceAskedAt = 0;
  readonly watches = new Map<UserMetric, SignalWatch>();
  /** Stored watch states not yet revived (a watch is restored when its metric is next observed). */
  storedWatches: Partial<Record<UserMetric, SignalWatchState>> = {};
  last: Partial<Record<UserMetric, number>> = {};
  /** Created at the first event (its capacity is the engine's dedupe window). */
  private recent: DedupeWindow | undefined;
  private storedRecent: number[] = [];
  /**
   * In memory only: the latest value of each signal in its current time bucket, not yet committed — by USER_METRICS
   * index, bit i of `pointBits` set when signal i has one. Typed arrays: every event writes here.
   */
  readonly pointBuckets = new Float64Array(USER_METRICS.length);
  readonly pointValues = new Float64Array(USER_METRICS.length);
  pointBits = 0;
  popStance: number | null = null;
  bucket: number | null = null;
  contrib: Partial<Record<UserMetric, number>> = {};

  constructor(
    readonly userId: string,
    readonly domain: string,
    readonly halfLife: number,
  ) {
    this.miscalibration = new ExponentialMean({ halfLife });
    this.stance = new StanceExtremity({ decay: { halfLife } });
    this.reinforcement = new StanceReinforcement({ decay: { halfLife } });
  }

  static restore(userId: string, domain: string, halfLife: number, stored: StoredUserDriftState): UserDriftState {
    const user = new UserDriftState(userId, domain, halfLife);
    user.events = stored.events;
    user.exposureMix = stored.exposureMix ? ExponentialCategoryMix.fromJSON(stored.exposureMix) : undefined;
    user.consumptionMix = stored.consumptionMix ? ExponentialCategoryMix.fromJSON(stored.consumptionMix) : undefined;
    user.miscalibration = ExponentialMean.fromJSON(stored.miscalibration);
    user.stance = StanceExtremity.fromJSON(stored.stance);
    user.reinforcement = StanceReinforcement.fromJSON(stored.reinforcement);
    user.divergenceAt = stored.divergenceAt;
    user.divergenceAskedAt = stored.divergenceAt;
    user.storedWatches = { ...stored.watches };
    user.last = { ...stored.last };
    user.storedRecent = stored.recent;
    user.popStance = stored.popStance;
    user.bucket = stored.bucket;
    user.contrib = { ...stored.contrib };
    return user;
  }

  /** The user's category mix of exposures or consumption, created or widened to the vocabulary's G. */
  mix(kind: 'exposure' | 'consumption', categoryCount: number): ExponentialCategoryMix {
    const current = kind === 'exposure' ? this.exposureMix : this.consumptionMix;
    let mix = current;
    if (mix === undefined) mix = new ExponentialCategoryMix({ categoryCount, decay: { halfLife: this.halfLife } });
    else if (mix.categoryCount < categoryCount) mix = widen(mix, categoryCount);
    if (kind === 'exposure') this.exposureMix = mix;
    else this.consumptionMix = mix;
    return mix;
  }

  /** Remembers an event or list id; false if it was seen recently (a retry). */
  remember(id: string, window: number): boolean {
    this.recent ??= DedupeWindow.of(window, this.storedRecent);
    return this.recent.remember(id);
  }

  toJSON(): StoredUserDriftState {
    const watches: Partial<Record<UserMetric, SignalWatchState>> = { ...this.storedWatches };
    for (const [metric, watch] of this.watches) watches[metric] = watch.toJSON();
    return {
      v: 2,
      events: this.events,
      exposureMix: this.exposureMix?.toJSON() ?? null,
      consumptionMix: this.consumptionMix?.toJSON() ?? null,
      miscalibration: this.miscalibration.toJSON(),
      stance: this.stance.toJSON(),
      reinforcement: this.reinforcement.toJSON(),
      divergenceAt: this.divergenceAt,
      watches,
      last: this.last,
      recent: this.recent ? this.recent.hashes() : this.storedRecent,
      popStance: this.popStance,
      bucket: this.bucket,
      contrib: this.contrib,
    };
  }
}

/**
 * A mix over more categories: the vocabulary grew (a new category appeared in the catalogue). The new categories get
 * zero mass; entropies are normalised by ln G, so they step down by ln G_old / ln G_new — a one-off shift the
 * detectors may see (documented in the README).
 */
function widen(mix: ExponentialCategoryMix, categoryCount: number): ExponentialCategoryMix {
  const state = mix.toJSON();
  return ExponentialCategoryMix.fromJSON({
    ...state,
    categoryCount,
    mass: [...state.mass, ...new Array<number>(categoryCount - state.categoryCount).fill(0)],
  });
}
