import { featureVector, type PersonaMixture, type SparseVector } from '@chorus/reward';
import type { PersonaWeights } from './candidate-index';

/**
 * The catalogue's item features φ(i) as numbers (compressed rows over one feature vocabulary), built once per
 * catalogue load. Retrieval scores a user's personas against hundreds of items; looking every feature up by name in
 * each persona's model (a Map per term, K + 1 times per item) cost several times the calibration greedy itself
 * (bench:rerank's `score` phase). Resolving the user's weights once per vocabulary feature leaves plain array reads.
 */
export class DenseFeatures {
  /** Every feature some item has, in first-seen order. */
  readonly names: readonly string[];
  /** Item p's terms are `feature[start[p]..start[p+1])` with `value[…]`, in the order its vector lists them. */
  private readonly start: Int32Array;
  private readonly feature: Int32Array;
  private readonly value: Float64Array;

  constructor(items: readonly { readonly userX: SparseVector }[]) {
    const index = new Map<string, number>();
    const names: string[] = [];
    const features: number[] = [];
    const values: number[] = [];
    this.start = new Int32Array(items.length + 1);
    items.forEach((item, position) => {
      const vector = featureVector(item.userX);
      const itemNames = vector.featureNames;
      const itemValues = vector.featureValues;
      for (let j = 0; j < itemNames.length; j++) {
        let slot = index.get(itemNames[j]!);
        if (slot === undefined) index.set(itemNames[j]!, (slot = names.push(itemNames[j]!) - 1));
        features.push(slot);
        values.push(itemValues[j]!);
      }
      this.start[position + 1] = features.length;
    });
    this.names = names;
    this.feature = Int32Array.from(features);
    this.value = Float64Array.from(values);
  }

  /** A weight vector over the vocabulary (0 where the model has none). */
  weights(mean: (feature: string) => number): Float64Array {
    return Float64Array.from(this.names, (name) => mean(name));
  }

  /**
   * offset + Σ_f w_f x_f over item `position`'s terms, summed in the order `DiagonalGaussianLogistic.logit` sums them
   * (a feature the model lacks adds an exact 0), so the result is the same number to the last bit.
   */
  dot(weights: Float64Array, position: number, offset: number): number {
    let z = offset;
    const end = this.start[position + 1]!;
    for (let t = this.start[position]!; t < end; t++) z += weights[this.feature[t]!]! * this.value[t]!;
    return z;
  }
}

/**
 * A user's personas over a {@link DenseFeatures}: the same scores as the `PersonaMixture` they were read from
 * (`logit`, item-conditioned attention, the serving persona), computed from arrays. Every method that takes a position
 * scores the catalogue item at that position; `x` is only what the candidate index's interface hands over.
 */
export class DensePersonas {
  readonly personas: PersonaWeights[];
  private readonly weights: Float64Array[];
  private readonly ids: number[];
  private readonly scores: number[];

  constructor(
    private readonly features: DenseFeatures,
    mixture: PersonaMixture,
  ) {
    const models = mixture.personas;
    this.weights = models.map((persona) => features.weights((feature) => persona.model.mean(feature)));
    this.ids = models.map((persona) => persona.id);
    this.scores = new Array<number>(models.length).fill(0);
    this.personas = models.map((persona, k) => ({
      mean: (feature) => persona.model.mean(feature),
      logit: (x, offset = 0, position) => (position === undefined ? persona.model.logit(x, offset) : this.finite(features.dot(this.weights[k]!, position, offset), x)),
    }));
  }

  /** `PersonaMixture.logit`: offset + Σ_k a_k(i) b_k·φ(i); one persona's own score when there is one. */
  served(x: SparseVector, offset: number, position: number): number {
    const count = this.weights.length;
    if (count === 1) return this.finite(this.features.dot(this.weights[0]!, position, offset), x);
    const attention = this.attention(x, position);
    let z = 0;
    for (let k = 0; k < count; k++) z += attention[k]! * this.scores[k]!;
    return offset + z;
  }

  /** `PersonaMixture.servingPersona`: the id of the persona with the most attention for the item. */
  servingPersona(x: SparseVector, position: number): number {
    // One persona serves every item (its attention is 1); the attention would only allocate to say so.
    if (this.weights.length === 1) return this.ids[0]!;
    const attention = this.attention(x, position);
    let best = 0;
    for (let k = 1; k < attention.length; k++) if (attention[k]! > attention[best]!) best = k;
    return this.ids[best]!;
  }

  /** a_k ∝ exp(b_k·φ(i)), normalised as `PersonaMixture` does it (max subtracted); the scores stay in `this.scores`. */
  private attention(x: SparseVector, position: number): number[] {
    const count = this.weights.length;
    const attention = new Array<number>(count);
    let max = -Infinity;
    for (let k = 0; k < count; k++) {
      const score = (this.scores[k] = this.finite(this.features.dot(this.weights[k]!, position, 0), x));
      if (score > max) max = score;
    }
    let total = 0;
    for (let k = 0; k < count; k++) total += attention[k] = Math.exp(this.scores[k]! - max);
    for (let k = 0; k < count; k++) attention[k] = attention[k]! / total;
    return attention;
  }

  /** As the model's logit refuses a score that is not finite (a weight that overflowed), naming the item's features. */
  private finite(z: number, x: SparseVector): number {
    if (!Number.isFinite(z)) throw new RangeError(`logit: the score of the item with features ${JSON.stringify([...x])} is ${z}; the user's stored weights are not finite`);
    return z;
  }
}
