import { stableHash53 } from '@chorus/random';

/**
 * Migration DriftUserStateBinary's own copy of what it converts between: drift_user_state.state version 1 (the JSON
 * document, the dedupe window's ids in clear) and version 2 (bytes, the window's ids as 53-bit hashes), as they were
 * when it was written. Frozen on purpose: a migration must do the same thing forever, whatever
 * services/drift-watch/src/engine/user-state.codec.ts (the live codec) becomes. Never edit it to follow the live codec;
 * a new layout is a new migration. Its spec checks that the live codec reads these bytes to the same state, and that
 * this reads what the live codec writes (what `down` meets). The hash is libs/random's stableHash53 (cyrb53, seed 0),
 * kept by its spec's reference values from cyrb53's author: drift-watch hashes ids with it at run time too.
 *
 * Version 2, little-endian (f = float64, NaN standing for null where a field may be null):
 *   u8 2, f events, f divergenceAt, f popStance, f bucket
 *   mean miscalibration | mean stance.absolute | mean stance.signed | mean reinforcement.mean
 *     (mean = f decay, f weightedSum, f weight, f count)
 *   mix exposureMix | mix consumptionMix   (mix = u16 G, 0 for null; else u8 normalizer, f decay, f eventCount, G × f mass)
 *   u8 mask + f per set bit, in METRICS order: `last`; the same for `contrib`
 *   u16 k + k × f: the window's id hashes, oldest first
 *   u8 mask + per set bit, in METRICS order, a watch: f c, f rs, f rn, f t0, f n, u8 r, u8 detector encoding
 *     1 = Page–Hinkley: f minInstances, f delta, f threshold, f alpha, u8 mode, f mean.n, f mean.mean, f sumIncrease,
 *         f sumDecrease, f minIncrease (±Infinity as is), f maxDecrease, u8 drift
 *     2 = any other detector: u32 byte length + its JSON as UTF-8
 */

const METRICS = ['exposure-entropy', 'consumption-entropy', 'miscalibration', 'personal-divergence', 'stance-extremity', 'stance-reinforcement'] as const;
const NORMALIZERS = ['total', 'seen'] as const;
const MODES = ['up', 'down', 'both'] as const;
const PAGE_HINKLEY = 1;
const JSON_DETECTOR = 2;
/** Window ids that a down migration wrote back from hashes: `h:` + the hash in hex (an up takes the hash back). */
const HASHED_ID = /^h:([0-9a-f]{1,14})$/;

type Metric = (typeof METRICS)[number];
type PerMetric<T> = Partial<Record<Metric, T>>;
type Mean = { kind: 'exponential-mean'; version: 1; decay: number; weightedSum: number; weight: number; count: number };
type Mix = { kind: 'exponential-category-mix'; version: 1; categoryCount: number; decay: number; normalizer: (typeof NORMALIZERS)[number]; mass: number[]; eventCount: number };
type PageHinkley = {
  kind: 'PageHinkley';
  version: 1;
  params: { minInstances: number; delta: number; threshold: number; alpha: number; mode: (typeof MODES)[number] };
  state: { mean: { n: number; mean: number }; sumIncrease: number; sumDecrease: number; minIncrease: number | 'Infinity' | '-Infinity'; maxDecrease: number; drift: boolean };
};
type Watch = { c: number; d: { kind: string }; rs: number; rn: number; t0: number | null; n: number; r: boolean };

/** drift_user_state.state version 1, the JSON document. */
export interface DriftUserStateV1 {
  v: 1;
  events: number;
  exposureMix: Mix | null;
  consumptionMix: Mix | null;
  miscalibration: Mean;
  stance: { kind: 'stance-extremity'; version: 1; absolute: Mean; signed: Mean };
  reinforcement: { kind: 'stance-reinforcement'; version: 1; mean: Mean };
  divergenceAt: number;
  watches: PerMetric<Watch>;
  last: PerMetric<number>;
  recent: string[];
  popStance: number | null;
  bucket: number | null;
  contrib: PerMetric<number>;
}

// Writing: each field's bytes, concatenated once at the end (writeUInt8 refuses -1, an unknown normalizer or mode).
const u8 = (x: number) => {
  const b = Buffer.alloc(1);
  b.writeUInt8(x);
  return b;
};
const u16 = (x: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(x);
  return b;
};
const doubles = (...xs: number[]) => {
  const b = Buffer.alloc(8 * xs.length);
  xs.forEach((x, i) => b.writeDoubleLE(x, 8 * i));
  return b;
};
const utf8WithLength = (s: string) => {
  const text = Buffer.from(s, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(text.length);
  return [length, text];
};

const meanBytes = (m: Mean) => doubles(m.decay, m.weightedSum, m.weight, m.count);
const mixBytes = (mix: Mix | null) => (mix === null ? [u16(0)] : [u16(mix.categoryCount), u8(NORMALIZERS.indexOf(mix.normalizer)), doubles(mix.decay, mix.eventCount, ...mix.mass)]);
const maskOf = (has: (metric: Metric) => unknown) => METRICS.reduce((mask, metric, i) => (has(metric) ? mask | (1 << i) : mask), 0);
const valuesBytes = (values: PerMetric<number>) => {
  const present = METRICS.filter((metric) => values[metric] !== undefined);
  return [u8(maskOf((metric) => values[metric] !== undefined)), doubles(...present.map((metric) => values[metric]!))];
};
const hashOf = (id: string) => {
  const hashed = HASHED_ID.exec(id);
  return hashed ? parseInt(hashed[1]!, 16) : stableHash53(id);
};

function watchBytes(w: Watch): Buffer[] {
  const head = [doubles(w.c, w.rs, w.rn, w.t0 ?? NaN, w.n), u8(w.r ? 1 : 0)];
  if (w.d.kind !== 'PageHinkley') return [...head, u8(JSON_DETECTOR), ...utf8WithLength(JSON.stringify(w.d))];
  const { params: p, state: d } = w.d as PageHinkley;
  const minIncrease = typeof d.minIncrease === 'number' ? d.minIncrease : d.minIncrease === 'Infinity' ? Infinity : -Infinity;
  return [
    ...head,
    u8(PAGE_HINKLEY),
    doubles(p.minInstances, p.delta, p.threshold, p.alpha),
    u8(MODES.indexOf(p.mode)),
    doubles(d.mean.n, d.mean.mean, d.sumIncrease, d.sumDecrease, minIncrease, d.maxDecrease),
    u8(d.drift ? 1 : 0),
  ];
}

/** A version-1 document as version-2 bytes: the window's ids become their hashes (`h:<hex>` ids are hashes already). */
export function encodeDriftUserStateV2(s: DriftUserStateV1): Buffer {
  const watched = METRICS.filter((metric) => s.watches[metric]);
  return Buffer.concat([
    u8(2),
    doubles(s.events, s.divergenceAt, s.popStance ?? NaN, s.bucket ?? NaN),
    ...[s.miscalibration, s.stance.absolute, s.stance.signed, s.reinforcement.mean].map(meanBytes),
    ...mixBytes(s.exposureMix),
    ...mixBytes(s.consumptionMix),
    ...valuesBytes(s.last),
    ...valuesBytes(s.contrib),
    u16(s.recent.length),
    doubles(...s.recent.map(hashOf)),
    u8(maskOf((metric) => s.watches[metric])),
    ...watched.flatMap((metric) => watchBytes(s.watches[metric]!)),
  ]);
}

/** Reads bytes front to back; past the end, or bytes left over, is an error naming where. */
function cursor(bytes: Buffer) {
  let at = 0;
  const advance = (size: number) => {
    if (at + size > bytes.length) throw new Error(`drift_user_state.state: truncated at byte ${at} of ${bytes.length} (corrupt bytes; restore the row from a backup)`);
    at += size;
    return at - size;
  };
  const f = () => bytes.readDoubleLE(advance(8));
  return {
    u8: () => bytes.readUInt8(advance(1)),
    u16: () => bytes.readUInt16LE(advance(2)),
    f,
    nullable: () => {
      const x = f();
      return Number.isNaN(x) ? null : x;
    },
    doubles: (n: number) => Array.from({ length: n }, f),
    utf8WithLength: () => {
      const length = bytes.readUInt32LE(advance(4));
      const start = advance(length);
      return bytes.toString('utf8', start, start + length);
    },
    end: () => {
      if (at !== bytes.length) throw new Error(`drift_user_state.state: ${bytes.length - at} bytes left over after the version-2 record (corrupt bytes)`);
    },
  };
}
type Cursor = ReturnType<typeof cursor>;

const readMean = (r: Cursor): Mean => {
  const [decay, weightedSum, weight, count] = r.doubles(4) as [number, number, number, number];
  return { kind: 'exponential-mean', version: 1, decay, weightedSum, weight, count };
};
const readMix = (r: Cursor): Mix | null => {
  const categoryCount = r.u16();
  if (categoryCount === 0) return null;
  const index = r.u8();
  const normalizer = NORMALIZERS[index];
  if (normalizer === undefined) throw new Error(`drift_user_state.state: entropy normalizer ${index} is none of ${NORMALIZERS.join(', ')} (corrupt bytes)`);
  const [decay, eventCount] = r.doubles(2) as [number, number];
  return { kind: 'exponential-category-mix', version: 1, categoryCount, decay, normalizer, mass: r.doubles(categoryCount), eventCount };
};
/** Reads a mask, then one value per set bit, in METRICS order. */
const readPerMetric = <T>(r: Cursor, read: () => T): PerMetric<T> => {
  const mask = r.u8();
  return Object.fromEntries(METRICS.filter((_, i) => mask & (1 << i)).map((metric) => [metric, read()]));
};

function readPageHinkley(r: Cursor): PageHinkley {
  const [minInstances, delta, threshold, alpha] = r.doubles(4) as [number, number, number, number];
  const index = r.u8();
  const mode = MODES[index];
  if (mode === undefined) throw new Error(`drift_user_state.state: Page–Hinkley mode ${index} is none of ${MODES.join(', ')} (corrupt bytes)`);
  const [n, mean, sumIncrease, sumDecrease, min, maxDecrease] = r.doubles(6) as [number, number, number, number, number, number];
  // The detector's JSON spells an infinite minimum as a string (JSON has no Infinity).
  const minIncrease = Number.isFinite(min) ? min : min > 0 ? 'Infinity' : '-Infinity';
  return { kind: 'PageHinkley', version: 1, params: { minInstances, delta, threshold, alpha, mode }, state: { mean: { n, mean }, sumIncrease, sumDecrease, minIncrease, maxDecrease, drift: r.u8() === 1 } };
}

function readWatch(r: Cursor): Watch {
  const [c, rs, rn] = r.doubles(3) as [number, number, number];
  const t0 = r.nullable();
  const n = r.f();
  const reset = r.u8() === 1;
  const encoding = r.u8();
  if (encoding === PAGE_HINKLEY) return { c, d: readPageHinkley(r), rs, rn, t0, n, r: reset };
  if (encoding === JSON_DETECTOR) return { c, d: JSON.parse(r.utf8WithLength()) as Watch['d'], rs, rn, t0, n, r: reset };
  throw new Error(`drift_user_state.state: detector encoding ${encoding} is neither ${PAGE_HINKLEY} (Page–Hinkley) nor ${JSON_DETECTOR} (JSON) (corrupt bytes)`);
}

/** Version-2 bytes as the version-1 document; the window's hashes cannot become ids again and are written `h:<hex>`. */
export function decodeDriftUserStateV2(bytes: Buffer): DriftUserStateV1 {
  const r = cursor(bytes);
  const version = r.u8();
  if (version !== 2) throw new Error(`drift_user_state.state: version ${version}; migration DriftUserStateBinary converts version 2 back to JSON (run the later migrations' down first)`);
  const [events, divergenceAt] = r.doubles(2) as [number, number];
  const popStance = r.nullable();
  const bucket = r.nullable();
  const [miscalibration, absolute, signed, mean] = [readMean(r), readMean(r), readMean(r), readMean(r)];
  const exposureMix = readMix(r);
  const consumptionMix = readMix(r);
  const last = readPerMetric(r, r.f);
  const contrib = readPerMetric(r, r.f);
  const recent = r.doubles(r.u16()).map((hash) => `h:${hash.toString(16)}`);
  const watches = readPerMetric(r, () => readWatch(r));
  r.end();
  const stance = { kind: 'stance-extremity', version: 1, absolute, signed } as const;
  const reinforcement = { kind: 'stance-reinforcement', version: 1, mean } as const;
  return { v: 1, events, divergenceAt, popStance, bucket, miscalibration, stance, reinforcement, exposureMix, consumptionMix, last, contrib, recent, watches };
}
