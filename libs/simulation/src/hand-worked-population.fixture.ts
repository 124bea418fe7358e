import type { PopulationOptions } from './planted-population';

/**
 * A population small enough to work out by hand: two categories, single-category items (a1, b1, a2, b2 by
 * round-robin), no quality, no deviation, no stance; utility = −1 + 2·p(category).
 */
export const HAND_WORKED_POPULATION: PopulationOptions = {
  seed: 1,
  categories: ['a', 'b'],
  itemCount: 4,
  userCount: 3,
  primaryCategoryWeight: 1,
  opinion: false,
  qualitySd: 0,
  deviationVariance: 0,
  tasteStrength: 2,
  baseline: -1,
  tastes: [
    { name: 'likes-a', profile: { a: 1 } },
    { name: 'likes-b', profile: { b: 1 } },
  ],
  groups: [
    { name: 'a-fans', kind: 'majority', share: 1 / 3, personas: [{ taste: 'likes-a', weight: 1 }] },
    { name: 'b-fans', kind: 'minority', share: 1 / 3, personas: [{ taste: 'likes-b', weight: 1 }] },
    { name: 'mixed', kind: 'mixed', share: 1 / 3, personas: [{ taste: 'likes-a', weight: 0.7 }, { taste: 'likes-b', weight: 0.3 }] },
  ],
};
