/** A declared rating scale. */
export interface RatingScale {
  min: number;
  max: number;
  /** Ratings ≥ positiveAt are positive. Default min + 0.75·(max − min): 4 on 1..5, 3.875 on 0.5..5 (so 4 and up). */
  positiveAt?: number;
}

/** A rating turned into a logistic label with its weight. */
export interface RatingLabel {
  y: 0 | 1;
  weight: number;
}

/**
 * Maps a rating onto a weighted binary observation (DESIGN §4):
 *
 *   y = [value ≥ positiveAt],   weight = 0.5 + |value − (min + max)/2| / (max − min)  ∈ [0.5, 1].
 *
 * The threshold default, three quarters up the scale, is the evaluation protocol's "positive at ≥ 4 of 5" and, on
 * MovieLens' 0.5..5 half-star scale, also makes exactly 4 and above positive. The weight grows linearly with the
 * distance from the scale midpoint: a 5 or a 1 is a clear verdict (weight 1), a midpoint rating is the weakest evidence
 * we keep (weight 0.5, not 0 — it still says "not positive"). Note the weight is measured from the midpoint, not from
 * the threshold, so just below the threshold (3.5 on 1..5) is a negative with weight 0.625.
 *
 * @throws RangeError when min/max/positiveAt are not finite, min ≥ max, positiveAt is outside [min, max], or value is
 *   NaN or outside [min, max].
 */
export function ratingLabel(value: number, scale: RatingScale): RatingLabel {
  const { min, max } = scale;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new RangeError(`ratingLabel: scale is [${min}, ${max}]; it needs finite bounds with min < max`);
  }
  const positiveAt = scale.positiveAt ?? min + 0.75 * (max - min);
  if (!(positiveAt >= min && positiveAt <= max)) {
    throw new RangeError(`ratingLabel: positiveAt is ${positiveAt}; it must lie within the scale [${min}, ${max}]`);
  }
  if (!(value >= min && value <= max)) {
    throw new RangeError(`ratingLabel: rating ${value} is outside the declared scale [${min}, ${max}]`);
  }
  return {
    y: value >= positiveAt ? 1 : 0,
    weight: 0.5 + Math.abs(value - (min + max) / 2) / (max - min),
  };
}
