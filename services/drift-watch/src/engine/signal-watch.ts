import type { EffectiveDriftConfig } from '@chorus/contracts';
import {
  createDetector,
  isBinaryDetectorKind,
  restoreDetector,
  type ADWIN,
  type DDM,
  type AnyDetector,
  type AnyDetectorState,
  type DetectorKind,
} from '@chorus/drift';

/** A drift a detector reported on one metric series, with what it means under the configuration in force. */
export interface Detection {
  value: number;
  baseline: number;
  /** Which way the metric moved from its baseline (for binary detectors: the watched direction). */
  direction: 'up' | 'down';
  /** The change is in the watched direction (a binary detector's drift always is). */
  watched: boolean;
  /** Watched and harmful under the domain policy: an alert. Watched but not harmful: an expected change. */
  harmful: boolean;
  severity: 'warning' | 'critical';
  detector: DetectorKind;
  configVersion: number;
  /** Event-time span (ms since epoch) and observations since the detector (re)started. */
  windowStartMs: number;
  windowEndMs: number;
  observations: number;
}

/** How a watch is stored: the detector's own state plus the baseline and window bookkeeping. */
export interface SignalWatchState {
  /** changeId of the configuration the detector was built from (0 = built-in). */
  c: number;
  d: AnyDetectorState;
  /** Sum and count of the first `referenceSize` observations since the (re)start: the baseline. */
  rs: number;
  rn: number;
  /** Event time (ms) of the first observation since the (re)start, and observations since. */
  t0: number | null;
  n: number;
  /** The detector drifted on the last observation: the next one starts a new segment (River resets then too). */
  r: boolean;
}

/**
 * One metric series of one subject under one detector. It feeds the detector (the value itself, or for binary detectors
 * the bit "beyond binaryThreshold in the watched direction"), keeps a baseline — the mean of the first
 * `referenceSize` observations after each (re)start, frozen after that — and turns a drift into a {@link Detection}:
 * direction from value vs baseline, harm from the domain policy, severity from |value − baseline| vs criticalChange.
 *
 * After a drift the detector resets on the next observation (River), and so do the baseline and the window: the series
 * is then watched relative to its new level, so one change is reported once.
 */
export class SignalWatch {
  private constructor(
    private config: EffectiveDriftConfig,
    private detector: AnyDetector,
    private referenceSum: number,
    private referenceCount: number,
    private startMs: number | null,
    private count: number,
    private resetPending: boolean,
  ) {}

  static create(config: EffectiveDriftConfig): SignalWatch {
    return new SignalWatch(config, createDetector(config.config.detector, config.config.params), 0, 0, null, 0, false);
  }

  /**
   * Restores a stored watch; a watch stored under another configuration (changed since) is rebuilt fresh, since its
   * detector state means nothing under new parameters.
   */
  static restore(state: SignalWatchState, config: EffectiveDriftConfig): SignalWatch {
    if (state.c !== config.changeId) return SignalWatch.create(config);
    return new SignalWatch(config, restoreDetector(state.d), state.rs, state.rn, state.t0, state.n, state.r);
  }

  /** The configuration changed (a new version is in force): start over under it. */
  reconfigure(config: EffectiveDriftConfig): SignalWatch {
    return config.changeId === this.config.changeId ? this : SignalWatch.create(config);
  }

  get changeId(): number {
    return this.config.changeId;
  }

  observe(value: number, atMs: number): Detection | undefined {
    const { config } = this.config;
    if (this.resetPending) {
      this.referenceSum = 0;
      this.referenceCount = 0;
      this.startMs = null;
      this.count = 0;
      this.resetPending = false;
    }
    if (isBinaryDetectorKind(config.detector)) {
      const threshold = config.binaryThreshold!;
      const bit = config.direction === 'down' ? value < threshold : value > threshold;
      (this.detector as DDM).update(bit ? 1 : 0);
    } else {
      (this.detector as ADWIN).update(value);
    }
    if (this.referenceCount < config.referenceSize) {
      this.referenceSum += value;
      this.referenceCount += 1;
    }
    this.startMs ??= atMs;
    this.count += 1;
    if (!this.detector.driftDetected) return undefined;

    this.resetPending = true;
    const baseline = this.referenceSum / this.referenceCount;
    const binary = isBinaryDetectorKind(config.detector);
    const direction: 'up' | 'down' = binary ? (config.direction as 'up' | 'down') : value >= baseline ? 'up' : 'down';
    const watched = binary || (value !== baseline && (config.direction === 'both' || config.direction === direction));
    return {
      value,
      baseline,
      direction,
      watched,
      harmful: watched && config.harmful,
      severity: Math.abs(value - baseline) >= config.criticalChange ? 'critical' : 'warning',
      detector: config.detector,
      configVersion: this.config.version,
      windowStartMs: this.startMs,
      windowEndMs: atMs,
      observations: this.count,
    };
  }

  toJSON(): SignalWatchState {
    return {
      c: this.config.changeId,
      d: this.detector.toJSON() as AnyDetectorState,
      rs: this.referenceSum,
      rn: this.referenceCount,
      t0: this.startMs,
      n: this.count,
      r: this.resetPending,
    };
  }
}
