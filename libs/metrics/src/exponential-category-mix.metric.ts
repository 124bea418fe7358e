import { resolveDecayFactor, type DecayOptions } from './exponential-decay.config';
import { normalizedEntropy } from './information.formula';
import { MetricInputError } from './metric-input.error';
import { requireInteger, requireWeights } from './metric-input.guard';
import {
  invalidState,
  readFiniteNumber,
  readFiniteNumberArray,
  readStateRecord,
} from './metric-state.guard';

/**
 * What the entropy is divided by.
 * - `'total'` (default): ln G_total, the catalogue's category count. One fixed scale for every user and every moment,
 *   so a falling value means narrowing and two users are comparable. A user who has only ever seen two categories,
 *   evenly, scores ln 2 / ln G_total — low, which is the point.
 * - `'seen'`: ln G_seen, the categories with any (decayed) mass. Measures evenness among what the user has met; it
 *   reads 1.0 for the two-category user above, so it cannot see narrowing by exclusion. Offered for analyses that
 *   want evenness; drift-watch should use `'total'`.
 */
export type EntropyNormalizer = 'total' | 'seen';

export interface ExponentialCategoryMixOptions {
  /** G_total: the number of categories in the catalogue (≥ 2). Category indices are 0 … G_total − 1. */
  readonly categoryCount: number;
  /** Forgetting in events; see {@link DecayOptions}. */
  readonly decay: DecayOptions;
  /** Default `'total'`; see {@link EntropyNormalizer}. */
  readonly normalizer?: EntropyNormalizer;
}

export interface ExponentialCategoryMixState {
  readonly kind: 'exponential-category-mix';
  readonly version: 1;
  readonly categoryCount: number;
  readonly decay: number;
  readonly normalizer: EntropyNormalizer;
  readonly mass: number[];
  readonly eventCount: number;
}

/**
 * An exponentially weighted category mix of a user's exposures or consumption, and its normalised entropy.
 *
 * Each event (an item shown or consumed) carries category weights w_t (e.g. the catalogue's p(g|i)); it is normalised to
 * unit mass so every event counts the same whatever its weights sum to. With λ the per-event decay,
 *
 *   m_g(T) = Σ_{t≤T} λ^{T−t} w_{t,g} / Σ_h w_{t,h},      p_g = m_g / Σ_h m_h,
 *   H_norm = −Σ_g p_g ln p_g / ln G,   G = G_total or G_seen (see {@link EntropyNormalizer}),   H_norm ∈ [0, 1].
 *
 * Update cost O(G) (decay every category, add the event); state is G doubles. `distribution()` is also Steck's
 * interest profile p(g|u) with recency weights w_{u,i} = λ^{age} (Steck 2018, eq. 2), so one instance over consumption
 * serves both the consumption-entropy signal and the calibration target.
 *
 * References: Shannon 1948; Steck, "Calibrated Recommendations", RecSys 2018, doi 10.1145/3240323.3240372.
 *
 * @example
 * const mix = new ExponentialCategoryMix({ categoryCount: 4, decay: { halfLife: 50 } });
 * mix.observeCategory(0); mix.observeCategory(1);
 * mix.normalizedEntropy(); // ≈ 0.49998 (the first event has decayed to 0.9862: p ≈ (0.4965, 0.5035, 0, 0))
 */
export class ExponentialCategoryMix {
  readonly categoryCount: number;
  readonly decay: number;
  readonly normalizer: EntropyNormalizer;
  private readonly mass: Float64Array;
  private count = 0;

  constructor(options: ExponentialCategoryMixOptions) {
    this.categoryCount = requireInteger(options.categoryCount, 'categoryCount', 2);
    this.decay = resolveDecayFactor(options.decay);
    const normalizer = options.normalizer ?? 'total';
    if (normalizer !== 'total' && normalizer !== 'seen') {
      throw new MetricInputError(
        'METRICS.INVALID_OPTION',
        `normalizer must be 'total' or 'seen', got ${String(normalizer)}`,
      );
    }
    this.normalizer = normalizer;
    this.mass = new Float64Array(this.categoryCount);
  }

  /**
   * Records one event with category weights (length G, non-negative, positive sum). Validates before mutating, so a
   * rejected event leaves the state untouched. O(G).
   */
  observe(weights: ArrayLike<number>): void {
    const sum = requireWeights(weights, 'weights', this.categoryCount);
    const lambda = this.decay;
    for (let g = 0; g < this.categoryCount; g++) {
      this.mass[g] = lambda * (this.mass[g] as number) + (weights[g] as number) / sum;
    }
    this.count += 1;
  }

  /** Records one event that belongs wholly to category `index`. O(G) because every category decays. */
  observeCategory(index: number): void {
    requireInteger(index, 'category index', 0, this.categoryCount - 1, 'METRICS.OUT_OF_RANGE');
    const lambda = this.decay;
    for (let g = 0; g < this.categoryCount; g++) this.mass[g] = lambda * (this.mass[g] as number);
    this.mass[index] = (this.mass[index] as number) + 1;
    this.count += 1;
  }

  /** Events recorded so far (undecayed) — drift-watch gates per-user signals on this. */
  get eventCount(): number {
    return this.count;
  }

  /**
   * The weighted mix p (summing to 1), or `undefined` before the first event: a fresh array, or written into `out`
   * (length G) so a caller reading it on every event reuses one buffer.
   */
  distribution(out?: Float64Array): Float64Array | undefined {
    if (this.count === 0) return undefined;
    if (out !== undefined && out.length !== this.categoryCount) {
      throw new MetricInputError(
        'METRICS.OUT_OF_RANGE',
        `out must have ${this.categoryCount} entries (one per category), got ${out.length}`,
      );
    }
    let total = 0;
    for (let g = 0; g < this.categoryCount; g++) total += this.mass[g] as number;
    const p = out ?? new Float64Array(this.categoryCount);
    for (let g = 0; g < this.categoryCount; g++) p[g] = (this.mass[g] as number) / total;
    return p;
  }

  /** H(p) / ln G ∈ [0, 1], or `undefined` before the first event. O(G); p goes through a scratch buffer, not a new array. */
  normalizedEntropy(): number | undefined {
    const p = this.distribution(scratch(this.categoryCount));
    if (p === undefined) return undefined;
    return normalizedEntropy(p, this.normalizer === 'total' ? this.categoryCount : this.seenCategoryCount());
  }

  /** Categories with positive decayed mass (mass only reaches 0 again by underflow, after ~1000 half-lives). */
  seenCategoryCount(): number {
    let seen = 0;
    for (let g = 0; g < this.categoryCount; g++) if ((this.mass[g] as number) > 0) seen += 1;
    return seen;
  }

  toJSON(): ExponentialCategoryMixState {
    return {
      kind: 'exponential-category-mix',
      version: 1,
      categoryCount: this.categoryCount,
      decay: this.decay,
      normalizer: this.normalizer,
      mass: Array.from(this.mass),
      eventCount: this.count,
    };
  }

  static fromJSON(state: unknown): ExponentialCategoryMix {
    const kind = 'exponential-category-mix';
    const record = readStateRecord(state, kind, 1);
    const normalizer = record['normalizer'];
    if (normalizer !== 'total' && normalizer !== 'seen') {
      throw invalidState(kind, `field "normalizer" must be 'total' or 'seen'`);
    }
    const mix = new ExponentialCategoryMix({
      categoryCount: readFiniteNumber(record, kind, 'categoryCount'),
      decay: { decay: readFiniteNumber(record, kind, 'decay') },
      normalizer,
    });
    const mass = readFiniteNumberArray(record, kind, 'mass');
    const count = readFiniteNumber(record, kind, 'eventCount');
    if (mass.length !== mix.categoryCount || mass.some((m) => m < 0)) {
      throw invalidState(kind, `field "mass" must hold ${mix.categoryCount} non-negative numbers`);
    }
    if (!Number.isInteger(count) || count < 0 || (count === 0) !== mass.every((m) => m === 0)) {
      throw invalidState(kind, `eventCount ${count} is inconsistent with the stored mass`);
    }
    mix.mass.set(mass);
    mix.count = count;
    return mix;
  }
}

/** One reusable buffer per length for the entropy's p: read and discarded within one synchronous call. */
const scratchByLength = new Map<number, Float64Array>();
function scratch(length: number): Float64Array {
  let buffer = scratchByLength.get(length);
  if (buffer === undefined) {
    buffer = new Float64Array(length);
    scratchByLength.set(length, buffer);
  }
  return buffer;
}
