/** Directed 3-cycles among one user's pairwise majorities. */
export interface Intransitivity {
  /** Triads of items whose three pairs all have a direction. */
  triads: number;
  /** Of those, triads whose directions form a cycle a ≻ b ≻ c ≻ a. */
  cycles: number;
}

/**
 * Counts the cyclic triads of a tournament-like graph (Kendall & Babington Smith 1940, circular triads): `edges` are
 * [winner, loser] pairs, at most one per unordered pair. A consistent ranking has no cycle; coin flips make a quarter of
 * the triads cyclic. O(Σ_v deg(v)²) at most.
 */
export function countCyclicTriads(edges: Iterable<readonly [string, string]>): Intransitivity {
  const beats = new Map<string, Set<string>>();
  const neighbours = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, from: string, to: string) => {
    let set = map.get(from);
    if (set === undefined) map.set(from, (set = new Set()));
    set.add(to);
  };
  for (const [winner, loser] of edges) {
    add(beats, winner, loser);
    add(neighbours, winner, loser);
    add(neighbours, loser, winner);
  }
  let triads = 0;
  let cycles = 0;
  for (const [u, around] of neighbours) {
    for (const v of around) {
      if (v <= u) continue;
      for (const w of neighbours.get(v)!) {
        if (w <= v || !around.has(w)) continue;
        triads++;
        const uv = beats.get(u)?.has(v) === true;
        const vw = beats.get(v)?.has(w) === true;
        const wu = beats.get(w)?.has(u) === true;
        if ((uv && vw && wu) || (!uv && !vw && !wu)) cycles++;
      }
    }
  }
  return { triads, cycles };
}
