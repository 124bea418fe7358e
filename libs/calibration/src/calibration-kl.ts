import { CalibrationInputError } from './calibration-input.error';
import { describeValue, normalisedCategoryDistribution, weightOf, type CategoryDistribution } from './category-distribution';

/** Steck's default for α in q̃ = (1−α)q + αp. */
export const DEFAULT_ALPHA = 0.01;

/**
 * Miscalibration of a list (Steck 2018, eq. 4–5), with the natural log:
 *
 *   C_KL(p ‖ q̃) = Σ_g p(g|u) · ln( p(g|u) / q̃(g|u) ),   q̃ = (1−α)·q + α·p
 *
 * where q(g|I) is the list's category distribution. `listCategoryMass` may be either the summed category mass
 * Σ_{i∈I} p(g|i) of the list's items or their mean q(g|I): it is divided by its own total, so both give the same q.
 * Terms with p(g|u) = 0 contribute 0 (0·ln 0 = 0); categories in the list but not the profile therefore only dilute q.
 * α ∈ (0,1) keeps q̃ > 0 wherever p > 0, so the value is finite: at most −ln α (a list with none of the profile's
 * categories). 0 means the list is perfectly calibrated.
 *
 * @param profile p(g|u), validated to sum to 1 (±1e-6).
 * @param listCategoryMass Σ_{i∈I} p(g|i) (or its mean), finite, ≥ 0, positive total.
 * @param alpha the mixing weight α, in (0, 1); Steck uses 0.01.
 *
 * @example calibrationKl({ Drama: 0.7, Documentary: 0.3 }, { Drama: 10 }, 0.01) // ≈ 0.7·ln(0.7/0.997) + 0.3·ln(0.3/0.003) ≈ 1.13398
 *
 * Reference: H. Steck, "Calibrated Recommendations", RecSys 2018, doi 10.1145/3240323.3240372.
 */
export function calibrationKl(
  profile: CategoryDistribution,
  listCategoryMass: Readonly<Record<string, number>>,
  alpha: number = DEFAULT_ALPHA,
): number {
  const p = normalisedCategoryDistribution(profile, 'profile');
  assertAlpha(alpha);
  if (listCategoryMass === null || typeof listCategoryMass !== 'object') {
    throw new CalibrationInputError(
      `listCategoryMass must be an object mapping category → Σ p(g|i) over the list; got ${describeValue(listCategoryMass)}.`,
    );
  }
  let total = 0;
  for (const [category, mass] of Object.entries(listCategoryMass)) {
    if (typeof mass !== 'number' || !Number.isFinite(mass) || mass < 0) {
      throw new CalibrationInputError(
        `listCategoryMass: category "${category}" has mass ${describeValue(mass)}; masses must be finite numbers ≥ 0.`,
      );
    }
    total += mass;
  }
  if (!(total > 0)) {
    throw new CalibrationInputError(
      'listCategoryMass has total mass 0: an empty list has no category distribution. Sum p(g|i) over at least one item.',
    );
  }
  let kl = 0;
  for (const category of Object.keys(p)) {
    const pg = p[category];
    const q = weightOf(listCategoryMass as Record<string, number>, category) / total;
    kl += pg * Math.log(pg / ((1 - alpha) * q + alpha * pg));
  }
  return kl;
}

/** Throws unless α ∈ (0, 1). */
export function assertAlpha(alpha: unknown): asserts alpha is number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new CalibrationInputError(
      `alpha must be a number in the open interval (0, 1) — it keeps q̃ > 0 where p > 0 so C_KL stays finite; Steck uses ${DEFAULT_ALPHA}. Got ${describeValue(alpha)}.`,
    );
  }
}
