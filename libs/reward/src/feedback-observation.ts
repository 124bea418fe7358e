import { ITEM_FEATURE_PREFIX, withItemIntercept } from './item-features';
import { FeatureVector, featureVector, subtract, type SparseVector } from './sparse-vector';

/**
 * One feedback event as a logistic observation for both models: the aggregate sees `aggregateX` (with per-item
 * intercepts), a user deviation sees `userX` (the same features without `item:*`, DESIGN §4: b_u covers category
 * weights, stance, dense features and the user bias, never per-item intercepts).
 */
export interface FeedbackObservation {
  aggregateX: SparseVector;
  userX: SparseVector;
  /** Soft label in [0, 1]. */
  y: number;
  /** Observation weight > 0. */
  weight: number;
}

/**
 * Click / skip / rating → observation: x = φ(i) (+ `item:<id>` for the aggregate), label y, weight.
 * For ratings pass `ratingLabel(...).y` and `.weight`.
 *
 * @throws RangeError when y is outside [0, 1] or weight is not a finite number > 0; Error on an empty itemId.
 */
export function binaryObservation(phi: SparseVector, itemId: string, y: number, weight = 1): FeedbackObservation {
  checkLabel(y, weight, 'binaryObservation');
  return { aggregateX: withItemIntercept(phi, itemId), userX: withoutItemIntercepts(phi), y, weight };
}

/**
 * Pairwise preference → Bradley–Terry observation (Bradley & Terry 1952): P(chosen ≻ rejected) = σ(r(chosen) −
 * r(rejected)) for a linear score r, i.e. a logistic observation with
 *
 *   x = φ(chosen) + item:chosen − φ(rejected) − item:rejected,   y = 1 (y = 0.5 for a tie),   weight = 1.
 *
 * The bias and any shared category cancel, so a pairwise event says nothing about a user's general readiness to like.
 *
 * @throws RangeError when chosenId equals rejectedId (an item compared with itself carries no preference).
 */
export function pairwiseObservation(
  chosenPhi: SparseVector,
  chosenId: string,
  rejectedPhi: SparseVector,
  rejectedId: string,
  tie = false,
): FeedbackObservation {
  checkPair(chosenId, rejectedId);
  return pairwiseObservationOf(
    chosenId,
    { phi: chosenPhi, aggregateX: withItemIntercept(chosenPhi, chosenId) },
    rejectedId,
    { phi: rejectedPhi, aggregateX: withItemIntercept(rejectedPhi, rejectedId) },
    tie,
  );
}

/** An item's two model inputs: φ(i), and φ(i) with its intercept (`withItemIntercept`). Build them once per item. */
export interface ItemVectors {
  phi: SparseVector;
  aggregateX: SparseVector;
}

/**
 * {@link pairwiseObservation} from each item's precomputed vectors, so a stream of pairwise events builds only the two
 * differences per event.
 *
 * @throws RangeError when chosenId equals rejectedId.
 */
export function pairwiseObservationOf(chosenId: string, chosen: ItemVectors, rejectedId: string, rejected: ItemVectors, tie = false): FeedbackObservation {
  checkPair(chosenId, rejectedId);
  return {
    aggregateX: subtract(chosen.aggregateX, rejected.aggregateX),
    userX: subtract(withoutItemIntercepts(chosen.phi), withoutItemIntercepts(rejected.phi)),
    y: tie ? 0.5 : 1,
    weight: 1,
  };
}

function checkPair(chosenId: string, rejectedId: string): void {
  if (chosenId === rejectedId) {
    throw new RangeError(
      `pairwiseObservation: item "${chosenId}" is compared with itself; a pair needs two different items`,
    );
  }
}

function checkLabel(y: number, weight: number, where: string): void {
  if (!(y >= 0 && y <= 1)) throw new RangeError(`${where}: label y is ${y}; it must be a number in [0, 1]`);
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new RangeError(`${where}: weight is ${weight}; it must be a finite number > 0`);
  }
}

/** φ without `item:*` entries; returns the input itself when it has none (the usual case), to save a copy per event. */
function withoutItemIntercepts(phi: SparseVector): SparseVector {
  const names = featureVector(phi).featureNames;
  let hasItemFeature = false;
  for (let k = 0; k < names.length && !hasItemFeature; k++) hasItemFeature = names[k]!.startsWith(ITEM_FEATURE_PREFIX);
  if (!hasItemFeature) return phi;
  const out: [string, number][] = [];
  for (const [feature, value] of phi) if (!feature.startsWith(ITEM_FEATURE_PREFIX)) out.push([feature, value]);
  return new FeatureVector(out);
}
