import { gaussian, mulberry32, randomIndex, sampleWithoutReplacement, shuffleInPlace } from '@chorus/random';
import { checkBehavioursAndFramings, plantedBehaviours } from './planted-annotators';
import type { LabelBehaviour } from './planted-population';
import { SimulationInputError } from './simulation-input.error';

/** Options of {@link plantRaters}; every field has a default (DEFAULT_RATER_OPTIONS). */
export interface RaterOptions {
  readonly seed: number;
  readonly itemCount: number;
  readonly raterCount: number;
  /** Share of raters of each behaviour; sums to 1. */
  readonly shares: Readonly<Record<LabelBehaviour, number>>;
  readonly itemsPerRater: number;
  /** Times a rater rates each of its items, each time under a framing drawn at random. */
  readonly repeats: number;
  readonly framings: readonly string[];
  /** True item quality ~ N(0, qualitySd²); a genuine rating is positive with probability σ(q). */
  readonly qualitySd: number;
  /** sd of a constructed rating's effect per (rater, item, framing). */
  readonly framingEffect: number;
}

export const DEFAULT_RATER_OPTIONS: RaterOptions = {
  seed: 15,
  itemCount: 200,
  raterCount: 120,
  shares: { genuine: 0.45, 'non-attitude': 0.4, constructed: 0.15 },
  itemsPerRater: 30,
  repeats: 4,
  framings: ['short', 'long'],
  qualitySd: 4,
  framingEffect: 6,
};

export interface PlantedRater {
  readonly id: string;
  readonly behaviour: LabelBehaviour;
}

/** One binary observation of an item in time order (a rating's side of the label threshold, a click or a skip). */
export interface PlantedRating {
  readonly userId: string;
  readonly itemId: string;
  readonly positive: boolean;
  readonly framingId: string;
}

export interface PlantedRaters {
  readonly options: RaterOptions;
  readonly quality: ReadonlyMap<string, number>;
  readonly raters: readonly PlantedRater[];
  readonly ratings: readonly PlantedRating[];
}

/**
 * A seeded rater population with planted label behaviour (issue #15), the item counterpart of plantAnnotators:
 *
 * - genuine: P(positive) = σ(q_i) under every framing,
 * - non-attitude: P(positive) = ½ whatever the item,
 * - constructed: P(positive) = σ(q_i + e_f(i)), e_f(i) ~ N(0, framingEffect²) fixed per (rater, item, framing f) —
 *   consistent within a framing, changing across framings.
 *
 * Each rater draws `itemsPerRater` items and rates each `repeats` times under a random framing; the ratings are then
 * shuffled into one time order.
 *
 * @throws SimulationInputError on an option out of range (named, with what is expected).
 */
export function plantRaters(overrides: Partial<RaterOptions> = {}): PlantedRaters {
  const options = checkRaterOptions({ ...DEFAULT_RATER_OPTIONS, ...overrides });
  const random = mulberry32(options.seed);
  const items = Array.from({ length: options.itemCount }, (_, k) => `item-${k}`);
  const quality = new Map(items.map((id) => [id, options.qualitySd * gaussian(random)] as const));
  const raters: PlantedRater[] = plantedBehaviours(options.shares, options.raterCount).map((behaviour, k) => ({ id: `rater-${k}`, behaviour }));

  const ratings: PlantedRating[] = [];
  for (const rater of raters) {
    for (const itemId of sampleWithoutReplacement(random, items, options.itemsPerRater)) {
      const effects = new Map<string, number>();
      for (let r = 0; r < options.repeats; r++) {
        const framingId = options.framings[randomIndex(random, options.framings.length)]!;
        let margin = rater.behaviour === 'non-attitude' ? 0 : quality.get(itemId)!;
        if (rater.behaviour === 'constructed') {
          if (!effects.has(framingId)) effects.set(framingId, options.framingEffect * gaussian(random));
          margin += effects.get(framingId)!;
        }
        ratings.push({ userId: rater.id, itemId, positive: random() < 1 / (1 + Math.exp(-margin)), framingId });
      }
    }
  }
  // One time order in which repeats and raters interleave.
  shuffleInPlace(random, ratings);
  return { options, quality, raters, ratings };
}

function checkRaterOptions(options: RaterOptions): RaterOptions {
  for (const [name, min] of [['seed', 0], ['itemCount', 1], ['raterCount', 1], ['itemsPerRater', 1], ['repeats', 1]] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < min) throw new SimulationInputError(`${name} is ${String(value)}; it must be an integer ≥ ${min}`);
  }
  if (options.itemsPerRater > options.itemCount) throw new SimulationInputError(`itemsPerRater is ${options.itemsPerRater}; it must be ≤ itemCount (${options.itemCount})`);
  checkBehavioursAndFramings(options);
  for (const name of ['qualitySd', 'framingEffect'] as const) {
    if (!Number.isFinite(options[name]) || options[name] < 0) throw new SimulationInputError(`${name} is ${options[name]}; it must be a finite number ≥ 0`);
  }
  return options;
}
