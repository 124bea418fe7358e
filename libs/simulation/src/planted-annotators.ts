import { gaussian, mulberry32, randomIndex, sampleWithoutReplacement, shuffleInPlace } from '@chorus/random';
import type { LabelBehaviour } from './planted-population';
import { SimulationInputError } from './simulation-input.error';

/** Options of {@link plantAnnotators}; every field has a default (DEFAULT_ANNOTATOR_OPTIONS). */
export interface AnnotatorOptions {
  readonly seed: number;
  readonly itemCount: number;
  readonly annotatorCount: number;
  /** Share of annotators of each behaviour; sums to 1. */
  readonly shares: Readonly<Record<LabelBehaviour, number>>;
  /** Distinct pairs in the pool the annotators draw from (so most pairs have several annotators). */
  readonly pairCount: number;
  readonly pairsPerAnnotator: number;
  /** Times an annotator is asked each of its pairs, each time under a framing drawn at random. */
  readonly repeats: number;
  readonly framings: readonly string[];
  /** True item quality ~ N(0, qualitySd²); a genuine judgment of (a, b) follows σ(q_a − q_b). */
  readonly qualitySd: number;
  /** sd of a constructed preference's effect per (annotator, item, framing). */
  readonly framingEffect: number;
  /** Share of annotators (of every behaviour) with a planted position bias, and its logit toward the first shown. */
  readonly positionBiasShare: number;
  readonly positionBias: number;
}

export const DEFAULT_ANNOTATOR_OPTIONS: AnnotatorOptions = {
  seed: 15,
  itemCount: 200,
  annotatorCount: 300,
  // Noisy, as crowd-sourced pairwise sets are (issue #15: 43% of one public set's judgments disagree with the others).
  shares: { genuine: 0.45, 'non-attitude': 0.4, constructed: 0.15 },
  // About three annotators per pair, each asking it six times.
  pairCount: 4000,
  pairsPerAnnotator: 40,
  repeats: 6,
  framings: ['short', 'long'],
  qualitySd: 1.5,
  framingEffect: 3,
  positionBiasShare: 0.3,
  positionBias: 1.5,
};

/** One planted annotator and its truth. */
export interface PlantedAnnotator {
  readonly id: string;
  readonly behaviour: LabelBehaviour;
  /** Logit added to the first-shown item (0 without a planted bias). */
  readonly positionBias: number;
}

/** One judgment in time order, in the shape of a pairwise feedback event's fields. */
export interface PlantedJudgment {
  readonly userId: string;
  readonly chosenId: string;
  readonly rejectedId: string;
  /** Shown position of chosenId. */
  readonly position: 0 | 1;
  readonly framingId: string;
}

export interface PlantedAnnotators {
  readonly options: AnnotatorOptions;
  /** Item id → true quality; the planted true preference of a pair is the higher quality. */
  readonly quality: ReadonlyMap<string, number>;
  readonly annotators: readonly PlantedAnnotator[];
  readonly judgments: readonly PlantedJudgment[];
  /**
   * A constructed annotator's framing effects e_f(i), keyed `${annotatorId}|${itemId}|${framingId}` (drawn for the
   * items and framings its judgments met): the planted truth of what it prefers under a framing (plantedPreference).
   */
  readonly effects: ReadonlyMap<string, number>;
}

/**
 * A seeded annotator population with planted label behaviour (issue #15), the same behaviours as simulateSession's
 * pairwise judgments: with β the annotator's position bias and (first, second) the shown order,
 *
 * - genuine: P(first ≻ second) = σ(q_first − q_second + β),
 * - non-attitude: σ(β) whatever the items,
 * - constructed: σ(q_first − q_second + e_f(first) − e_f(second) + β), e_f(i) ~ N(0, framingEffect²) fixed per
 *   (annotator, item, framing f) — consistent within a framing, changing across framings.
 *
 * Each annotator draws `pairsPerAnnotator` pairs from a pool of `pairCount`, and is asked each `repeats` times under a
 * random framing with a random shown order; the judgments are then shuffled into one time order (repeats spread out).
 *
 * @throws SimulationInputError on an option out of range (named, with what is expected).
 */
export function plantAnnotators(overrides: Partial<AnnotatorOptions> = {}): PlantedAnnotators {
  const options = checkAnnotatorOptions({ ...DEFAULT_ANNOTATOR_OPTIONS, ...overrides });
  const random = mulberry32(options.seed);
  const items = Array.from({ length: options.itemCount }, (_, k) => `item-${k}`);
  const quality = new Map(items.map((id) => [id, options.qualitySd * gaussian(random)] as const));

  const pool = new Map<string, readonly [string, string]>();
  while (pool.size < options.pairCount) {
    const i = randomIndex(random, items.length);
    const j = (i + 1 + randomIndex(random, items.length - 1)) % items.length;
    const pair = i < j ? ([items[i]!, items[j]!] as const) : ([items[j]!, items[i]!] as const);
    pool.set(pair.join('|'), pair);
  }
  const pairs = [...pool.values()];

  const annotators: PlantedAnnotator[] = plantedBehaviours(options.shares, options.annotatorCount).map((behaviour, k) => ({
    id: `annotator-${k}`,
    behaviour,
    positionBias: random() < options.positionBiasShare ? options.positionBias : 0,
  }));

  const judgments: PlantedJudgment[] = [];
  const effects = new Map<string, number>();
  for (const annotator of annotators) {
    const effect = (item: string, framing: string) => {
      const key = `${annotator.id}|${item}|${framing}`;
      let value = effects.get(key);
      if (value === undefined) effects.set(key, (value = options.framingEffect * gaussian(random)));
      return value;
    };
    for (const [a, b] of sampleWithoutReplacement(random, pairs, options.pairsPerAnnotator)) {
      for (let r = 0; r < options.repeats; r++) {
        const framingId = options.framings[randomIndex(random, options.framings.length)]!;
        const [first, second] = random() < 0.5 ? [a, b] : [b, a];
        let margin = annotator.positionBias;
        if (annotator.behaviour !== 'non-attitude') margin += quality.get(first)! - quality.get(second)!;
        if (annotator.behaviour === 'constructed') margin += effect(first, framingId) - effect(second, framingId);
        const firstWins = random() < 1 / (1 + Math.exp(-margin));
        judgments.push({
          userId: annotator.id,
          chosenId: firstWins ? first : second,
          rejectedId: firstWins ? second : first,
          position: firstWins ? 0 : 1,
          framingId,
        });
      }
    }
  }
  // One time order in which repeats and annotators interleave.
  shuffleInPlace(random, judgments);
  return { options, quality, annotators, judgments, effects };
}

/**
 * Whether annotator `userId` truly prefers `a` to `b` under `framingId`, position aside: genuine — the higher quality;
 * constructed — the higher quality + framing effect under that framing (undefined when the annotator never met either
 * item under it: its preference there was never drawn); non-attitude — undefined (no preference to get right).
 */
export function plantedPreference(planted: PlantedAnnotators, annotator: PlantedAnnotator, a: string, b: string, framingId: string): boolean | undefined {
  if (annotator.behaviour === 'non-attitude') return undefined;
  if (annotator.behaviour === 'genuine') return trulyPreferred(planted, a, b);
  const ea = planted.effects.get(`${annotator.id}|${a}|${framingId}`);
  const eb = planted.effects.get(`${annotator.id}|${b}|${framingId}`);
  if (ea === undefined || eb === undefined) return undefined;
  return planted.quality.get(a)! + ea > planted.quality.get(b)! + eb;
}

/** The planted true preference of a pair: true when `a` has the higher quality. */
export function trulyPreferred(planted: PlantedAnnotators, a: string, b: string): boolean {
  const qa = planted.quality.get(a);
  const qb = planted.quality.get(b);
  if (qa === undefined || qb === undefined) throw new SimulationInputError(`trulyPreferred: unknown item "${qa === undefined ? a : b}"`);
  return qa > qb;
}

function checkAnnotatorOptions(options: AnnotatorOptions): AnnotatorOptions {
  const integer = (name: keyof AnnotatorOptions, min: number) => {
    const value = options[name] as number;
    if (!Number.isInteger(value) || value < min) throw new SimulationInputError(`${name} is ${String(value)}; it must be an integer ≥ ${min}`);
  };
  integer('seed', 0);
  integer('itemCount', 2);
  integer('annotatorCount', 1);
  integer('pairCount', 1);
  integer('pairsPerAnnotator', 1);
  integer('repeats', 1);
  const possiblePairs = (options.itemCount * (options.itemCount - 1)) / 2;
  if (options.pairCount > possiblePairs) throw new SimulationInputError(`pairCount is ${options.pairCount}; ${options.itemCount} items make only ${possiblePairs} pairs`);
  if (options.pairsPerAnnotator > options.pairCount) throw new SimulationInputError(`pairsPerAnnotator is ${options.pairsPerAnnotator}; it must be ≤ pairCount (${options.pairCount})`);
  checkBehavioursAndFramings(options);
  for (const name of ['qualitySd', 'framingEffect', 'positionBias'] as const) {
    if (!Number.isFinite(options[name]) || options[name] < 0) throw new SimulationInputError(`${name} is ${options[name]}; it must be a finite number ≥ 0`);
  }
  if (!(options.positionBiasShare >= 0 && options.positionBiasShare <= 1)) throw new SimulationInputError(`positionBiasShare is ${options.positionBiasShare}; it must lie in [0, 1]`);
  return options;
}

/** `count` behaviours in the given shares (rounded; genuine makes up the rest), in the order genuine, non-attitude, constructed. */
export function plantedBehaviours(shares: Readonly<Record<LabelBehaviour, number>>, count: number): LabelBehaviour[] {
  const behaviours: LabelBehaviour[] = [];
  for (const behaviour of ['genuine', 'non-attitude', 'constructed'] as const) {
    const n = Math.round(shares[behaviour] * count);
    for (let k = 0; k < n && behaviours.length < count; k++) behaviours.push(behaviour);
  }
  while (behaviours.length < count) behaviours.push('genuine');
  return behaviours;
}

/** The options planted labellers share: behaviour shares ≥ 0 summing to 1, and at least one framing. */
export function checkBehavioursAndFramings(options: { readonly shares: Readonly<Record<LabelBehaviour, number>>; readonly framings: readonly string[] }): void {
  const shares = Object.values(options.shares);
  if (shares.some((s) => !(s >= 0)) || Math.abs(shares.reduce((x, y) => x + y, 0) - 1) > 1e-9) {
    throw new SimulationInputError(`shares ${JSON.stringify(options.shares)} must be ≥ 0 and sum to 1`);
  }
  if (options.framings.length === 0) throw new SimulationInputError('framings must name at least one framing');
}
