import { mulberry32 } from '@chorus/random';
import { itemFeatures } from '../item-features';
import { sigmoid } from '../logistic-function';
import type { FeatureVector } from '../sparse-vector';

const CATALOGUE = ['drama', 'horror', 'thriller', 'romance', 'comedy', 'documentary'].map((category) => ({
  category,
  x: itemFeatures({ categories: { [category]: 1 } }),
}));

/** True logit per category of each taste (0 for the others): A likes horror and thriller, dislikes romance and comedy; B the reverse. */
const TASTES: Record<'A' | 'B', Record<string, number>> = {
  A: { horror: 2.5, thriller: 2, romance: -2.5, comedy: -2 },
  B: { horror: -2.5, thriller: -2, romance: 2.5, comedy: 2 },
};

/**
 * A seeded household sharing one account and one screen: sessions of geometric length (mean 5 events) belong to taste
 * A (70%) or B (30%); each event is a uniformly drawn single-category item, rated y ~ Bernoulli(σ(the taste's logit)).
 */
export function plantedTwoTasteEvents(seed: number, n: number): { x: FeatureVector; y: number; taste: 'A' | 'B' }[] {
  const random = mulberry32(seed);
  let taste: 'A' | 'B' = 'A';
  return Array.from({ length: n }, (_, i) => {
    if (i === 0 || random() < 0.2) taste = random() < 0.7 ? 'A' : 'B';
    const item = CATALOGUE[Math.floor(random() * CATALOGUE.length)]!;
    return { x: item.x, y: random() < sigmoid(TASTES[taste][item.category] ?? 0) ? 1 : 0, taste };
  });
}
