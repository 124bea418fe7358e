import { mulberry32 } from '@chorus/random';

/**
 * Seeded stance populations shared by the polarization specs (test fixture, not used by the library).
 * Normal draws by Box–Muller over mulberry32; stances clipped to [−1, 1] as the catalogue clips them.
 */
export function seededNormal(seed: number): () => number {
  const random = mulberry32(seed);
  return () => {
    const u = 1 - random(); // (0, 1]: keeps ln(u) finite
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

const clip = (s: number): number => Math.max(-1, Math.min(1, s));

/** Two camps of equal size around ±centre with spread sd. */
export function twoCampStances(n: number, seed: number, centre = 0.7, sd = 0.1): number[] {
  const normal = seededNormal(seed);
  return Array.from({ length: n }, (_, i) => clip((i % 2 === 0 ? -centre : centre) + sd * normal()));
}

/** One camp around `centre` with spread sd. */
export function unimodalStances(n: number, seed: number, centre = 0.1, sd = 0.25): number[] {
  const normal = seededNormal(seed);
  return Array.from({ length: n }, () => clip(centre + sd * normal()));
}
