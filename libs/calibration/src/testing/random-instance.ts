import type { RerankCandidate } from '../calibrated-rerank';

export interface RerankInstance {
  readonly candidates: RerankCandidate[];
  readonly profile: Record<string, number>;
  readonly n: number;
}

export interface InstanceShape {
  /** Candidate count range, inclusive. */
  readonly candidates: readonly [number, number];
  /** Largest n (capped at the candidate count). */
  readonly maxN: number;
  /** Category count range, inclusive (at most 6). */
  readonly categories: readonly [number, number];
  /** Every candidate in exactly one category. */
  readonly singleCategory?: boolean;
  /** Scores rounded to this many decimals, so ties occur; omit for continuous scores. */
  readonly scoreDecimals?: number;
}

const CATEGORY_NAMES = ['Action', 'Comedy', 'Drama', 'Documentary', 'Horror', 'Romance'];

/** A small random instance: mixed or single-category items, a profile with some zero categories. */
export function randomInstance(random: () => number, shape: InstanceShape): RerankInstance {
  const between = ([low, high]: readonly [number, number]): number => low + Math.floor(random() * (high - low + 1));
  const categoryNames = CATEGORY_NAMES.slice(0, between(shape.categories));
  const candidateCount = between(shape.candidates);
  const n = 1 + Math.floor(random() * Math.min(candidateCount, shape.maxN));
  const pickCategory = (): string => categoryNames[Math.floor(random() * categoryNames.length)];
  const candidates: RerankCandidate[] = [];
  for (let i = 0; i < candidateCount; i++) {
    const categories: Record<string, number> = {};
    if (shape.singleCategory) {
      categories[pickCategory()] = 1;
    } else {
      let sum = 0;
      for (const name of categoryNames) {
        if (random() < 0.5) {
          categories[name] = random();
          sum += categories[name];
        }
      }
      if (sum === 0) {
        categories[pickCategory()] = 1;
        sum = 1;
      }
      for (const name of Object.keys(categories)) categories[name] /= sum;
    }
    const raw = random();
    const score = shape.scoreDecimals === undefined ? raw : Math.round(raw * 10 ** shape.scoreDecimals) / 10 ** shape.scoreDecimals;
    candidates.push({ id: `item-${String(i).padStart(2, '0')}`, score, categories });
  }
  const profile: Record<string, number> = {};
  let sum = 0;
  for (const name of categoryNames) {
    const weight = random() < 0.25 ? 0 : random();
    profile[name] = weight;
    sum += weight;
  }
  if (sum === 0) {
    profile[categoryNames[0]] = 1;
    sum = 1;
  }
  for (const name of categoryNames) profile[name] /= sum;
  return { candidates, profile, n };
}
