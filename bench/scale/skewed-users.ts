/**
 * Who produces the events: a seeded 80/20 mix, as in production where most users are rarely seen and a few constantly.
 * A fixed `hotShare` of the users (the first ones by index, so a run at 20k users contains the hot set of 2k's pattern
 * scaled) draws `hotEventShare` of the events, uniformly among them; the rest draw the remainder, uniformly.
 */
export interface Skew {
  /** Share of users in the hot set (default 0.2). */
  readonly hotShare: number;
  /** Share of events the hot set produces (default 0.8). */
  readonly hotEventShare: number;
}

export const PARETO_80_20: Skew = { hotShare: 0.2, hotEventShare: 0.8 };

/** A picker of user indices in [0, users) following `skew`, drawing from `rand` (uniform in [0, 1)). */
export function skewedUserPicker(users: number, rand: () => number, skew: Skew = PARETO_80_20): () => number {
  if (!Number.isInteger(users) || users < 2) throw new RangeError(`users must be an integer ≥ 2, got ${users}`);
  const hot = Math.max(1, Math.min(users - 1, Math.round(users * skew.hotShare)));
  const cold = users - hot;
  return () => (rand() < skew.hotEventShare ? Math.floor(rand() * hot) : hot + Math.floor(rand() * cold));
}
