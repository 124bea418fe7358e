/**
 * @chorus/random — the repository's one seeded source of randomness: the mulberry32 PRNG and what is drawn from it
 * (normal and Gumbel variates, uniform indices and samples, seeded UUIDs), and a stable string hash. Pure: no
 * framework and nothing of ours, so every library may import it (.dependency-cruiser.cjs).
 */
export { mulberry32 } from './mulberry32.prng';
export { gaussian, gumbel, randomIndex, sampleWithoutReplacement, shuffleInPlace } from './random-variates';
export { seededUuid } from './seeded-uuid';
export { stableHash, stableHash53 } from './stable-hash';
