import type { ExponentialCategoryMixState, ExponentialMeanState, StanceExtremityState, StanceReinforcementState } from '@chorus/metrics';
import { ByteReader, ByteWriter } from '@chorus/contracts';
import type { AnyDetectorState, PageHinkleyState } from '@chorus/drift';
import type { SignalWatchState } from './signal-watch';
import { USER_METRICS, type StoredUserDriftState, type StoredUserDriftStateV1, type UserMetric } from './user-drift-state';

/**
 * drift_user_state.state as bytes (bytea), version 2. A user's state is mostly doubles (category masses, EW sums,
 * detector sums, id hashes), which JSON spells in ~20 characters each and parses back one by one; here each is 8 bytes
 * copied. Layout (little-endian; f = float64, NaN standing for null where a field may be absent):
 *
 *   u8 version = 2
 *   f events, f divergenceAt, f popStance, f bucket
 *   mean miscalibration | mean stance.absolute | mean stance.signed | mean reinforcement      (mean = f decay, f Σ, f W, f n)
 *   mix exposure | mix consumption      (mix = u16 G (0: none) [u8 normalizer, f decay, f n, G × f mass])
 *   u8 mask + f per set bit: last value of each signal, in USER_METRICS order; the same for the bucket contributions
 *   u16 k + k × f: the dedupe window's id hashes, oldest first
 *   u8 mask + per set bit a watch: f changeId, f Σref, f nref, f t0, f n, u8 resetPending, u8 detector encoding
 *     1 = Page–Hinkley (the built-in everywhere): f minInstances, f δ, f λ, f α, u8 mode, f mean.n, f mean, f U, f L,
 *         f m (±Infinity as is), f M, u8 drift
 *     2 = any other detector: u32 length + its toJSON() as UTF-8 JSON (ADWIN and KSWIN keep windows of their own)
 *
 * decode(encode(s)) deep-equals s for every state the engine writes (user-state.codec.spec.ts checks it on real runs).
 */
export const USER_STATE_VERSION = 2;

const MODES = ['up', 'down', 'both'] as const;
const NORMALIZERS = ['total', 'seen'] as const;
const PAGE_HINKLEY = 1;
const JSON_DETECTOR = 2;

export function encodeUserState(s: StoredUserDriftState): Buffer {
  const w = new ByteWriter();
  w.u8(USER_STATE_VERSION);
  w.f(s.events);
  w.f(s.divergenceAt);
  w.f(s.popStance ?? NaN);
  w.f(s.bucket ?? NaN);
  writeMean(w, s.miscalibration);
  // The metric states type their inner means as unknown (they validate them on restore); they are ExponentialMean's.
  writeMean(w, s.stance.absolute as ExponentialMeanState);
  writeMean(w, s.stance.signed as ExponentialMeanState);
  writeMean(w, s.reinforcement.mean as ExponentialMeanState);
  writeMix(w, s.exposureMix);
  writeMix(w, s.consumptionMix);
  writeMetricValues(w, s.last);
  writeMetricValues(w, s.contrib);
  w.u16(s.recent.length);
  for (const hash of s.recent) w.f(hash);
  let mask = 0;
  USER_METRICS.forEach((metric, i) => (mask |= s.watches[metric] ? 1 << i : 0));
  w.u8(mask);
  for (const metric of USER_METRICS) {
    const watch = s.watches[metric];
    if (watch) writeWatch(w, watch);
  }
  return w.done();
}

export function decodeUserState(bytes: Uint8Array): StoredUserDriftState {
  const r = new ByteReader(bytes, 'drift user state');
  const version = r.u8();
  if (version !== USER_STATE_VERSION) throw new Error(`drift user state has version ${version}; this drift-watch reads version ${USER_STATE_VERSION} (run the migrations)`);
  const events = r.f();
  const divergenceAt = r.f();
  const popStance = nullable(r.f());
  const bucket = nullable(r.f());
  const miscalibration = readMean(r);
  const absolute = readMean(r);
  const signed = readMean(r);
  const mean = readMean(r);
  const exposureMix = readMix(r);
  const consumptionMix = readMix(r);
  const last = readMetricValues(r);
  const contrib = readMetricValues(r);
  const recent: number[] = [];
  for (let k = r.u16(); k > 0; k--) recent.push(r.f());
  const mask = r.u8();
  const watches: Partial<Record<UserMetric, SignalWatchState>> = {};
  USER_METRICS.forEach((metric, i) => {
    if (mask & (1 << i)) watches[metric] = readWatch(r);
  });
  r.end();
  return {
    v: USER_STATE_VERSION,
    events,
    exposureMix,
    consumptionMix,
    miscalibration,
    stance: { kind: 'stance-extremity', version: 1, absolute, signed } as StanceExtremityState,
    reinforcement: { kind: 'stance-reinforcement', version: 1, mean } as StanceReinforcementState,
    divergenceAt,
    watches,
    last,
    recent,
    popStance,
    bucket,
    contrib,
  };
}

/** Ids of a version-1 (JSON) window that the down migration wrote back from hashes: `h:` + the hash in hex. */
const HASHED_ID = /^h:([0-9a-f]{1,14})$/;

/**
 * A version-1 state (JSON, ids in clear) as version 2: ids become their hashes. `h:<hex>` ids are hashes that the down
 * migration wrote, taken back as they were, so up → down → up gives the same bytes.
 */
export function upgradeUserState(v1: StoredUserDriftStateV1, hash: (id: string) => number): StoredUserDriftState {
  return {
    ...v1,
    v: USER_STATE_VERSION,
    recent: v1.recent.map((id) => {
      const hashed = HASHED_ID.exec(id);
      return hashed ? parseInt(hashed[1]!, 16) : hash(id);
    }),
  };
}

/**
 * A version-2 state as version 1 (for the down migration). Hashes cannot be turned back into ids: they are written as
 * `h:<hex>`, which no real id of the window matches, so after a downgrade the retries of a user's last 64 events are no
 * longer recognised (counted again); everything else is exact.
 */
export function downgradeUserState(v2: StoredUserDriftState): StoredUserDriftStateV1 {
  return { ...v2, v: 1, recent: v2.recent.map((h) => `h:${h.toString(16)}`) };
}

function writeMean(w: ByteWriter, m: ExponentialMeanState): void {
  w.f(m.decay);
  w.f(m.weightedSum);
  w.f(m.weight);
  w.f(m.count);
}

function readMean(r: ByteReader): ExponentialMeanState {
  return { kind: 'exponential-mean', version: 1, decay: r.f(), weightedSum: r.f(), weight: r.f(), count: r.f() };
}

function writeMix(w: ByteWriter, mix: ExponentialCategoryMixState | null): void {
  if (mix === null) return w.u16(0);
  w.u16(mix.categoryCount);
  w.u8(NORMALIZERS.indexOf(mix.normalizer));
  w.f(mix.decay);
  w.f(mix.eventCount);
  for (const m of mix.mass) w.f(m);
}

function readMix(r: ByteReader): ExponentialCategoryMixState | null {
  const categoryCount = r.u16();
  if (categoryCount === 0) return null;
  const normalizer = NORMALIZERS[r.u8()];
  if (normalizer === undefined) throw new Error('drift user state: unknown entropy normalizer');
  const decay = r.f();
  const eventCount = r.f();
  const mass: number[] = [];
  for (let g = 0; g < categoryCount; g++) mass.push(r.f());
  return { kind: 'exponential-category-mix', version: 1, categoryCount, decay, normalizer, mass, eventCount };
}

function writeMetricValues(w: ByteWriter, values: Partial<Record<UserMetric, number>>): void {
  let mask = 0;
  USER_METRICS.forEach((metric, i) => (mask |= values[metric] !== undefined ? 1 << i : 0));
  w.u8(mask);
  for (const metric of USER_METRICS) if (values[metric] !== undefined) w.f(values[metric]);
}

function readMetricValues(r: ByteReader): Partial<Record<UserMetric, number>> {
  const mask = r.u8();
  const values: Partial<Record<UserMetric, number>> = {};
  USER_METRICS.forEach((metric, i) => {
    if (mask & (1 << i)) values[metric] = r.f();
  });
  return values;
}

function writeWatch(w: ByteWriter, s: SignalWatchState): void {
  w.f(s.c);
  w.f(s.rs);
  w.f(s.rn);
  w.f(s.t0 ?? NaN);
  w.f(s.n);
  w.u8(s.r ? 1 : 0);
  if (s.d.kind !== 'PageHinkley') {
    w.u8(JSON_DETECTOR);
    w.text(JSON.stringify(s.d));
    return;
  }
  const { params: p, state: d } = s.d;
  w.u8(PAGE_HINKLEY);
  w.f(p.minInstances);
  w.f(p.delta);
  w.f(p.threshold);
  w.f(p.alpha);
  w.u8(MODES.indexOf(p.mode));
  w.f(d.mean.n);
  w.f(d.mean.mean);
  w.f(d.sumIncrease);
  w.f(d.sumDecrease);
  w.f(typeof d.minIncrease === 'number' ? d.minIncrease : d.minIncrease === 'Infinity' ? Infinity : -Infinity);
  w.f(d.maxDecrease);
  w.u8(d.drift ? 1 : 0);
}

function readWatch(r: ByteReader): SignalWatchState {
  const c = r.f();
  const rs = r.f();
  const rn = r.f();
  const t0 = nullable(r.f());
  const n = r.f();
  const reset = r.u8() === 1;
  const encoding = r.u8();
  let d: AnyDetectorState;
  if (encoding === JSON_DETECTOR) d = JSON.parse(r.text()) as AnyDetectorState;
  else if (encoding === PAGE_HINKLEY) d = readPageHinkley(r);
  else throw new Error(`drift user state: unknown detector encoding ${encoding}`);
  return { c, d, rs, rn, t0, n, r: reset };
}

function readPageHinkley(r: ByteReader): PageHinkleyState {
  const minInstances = r.f();
  const delta = r.f();
  const threshold = r.f();
  const alpha = r.f();
  const mode = MODES[r.u8()];
  if (mode === undefined) throw new Error('drift user state: unknown Page–Hinkley mode');
  const mean = { n: r.f(), mean: r.f() };
  const sumIncrease = r.f();
  const sumDecrease = r.f();
  const min = r.f();
  const maxDecrease = r.f();
  const drift = r.u8() === 1;
  return {
    kind: 'PageHinkley',
    version: 1,
    params: { minInstances, delta, threshold, alpha, mode },
    // toJSON spells an infinite minimum as a string (JSON has no Infinity); the detector restores either.
    state: { mean, sumIncrease, sumDecrease, minIncrease: Number.isFinite(min) ? min : min > 0 ? 'Infinity' : '-Infinity', maxDecrease, drift },
  };
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);
