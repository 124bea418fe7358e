import { calibratedRerank, RerankCatalogue, type RerankCandidate } from '@chorus/calibration';
import { mulberry32 } from '@chorus/random';

/** The shape issue #14 sets for the greedy: C candidates, lists of n, G genres. */
export const GREEDY_SHAPE = { candidates: 500, n: 20, genres: 20 } as const;
export const GENRES = Array.from({ length: GREEDY_SHAPE.genres }, (_, g) => `g${g}`);

/** 1–3 distinct genres, equally weighted, like MovieLens items. */
export function genresOf(random: () => number): Record<string, number> {
  const count = 1 + Math.floor(random() * 3);
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(GENRES[Math.floor(random() * GENRES.length)]!);
  return Object.fromEntries([...chosen].map((g) => [g, 1 / chosen.size]));
}

/** Step between a user's candidates in the shared catalogue; prime, so any catalogue size not a multiple of it works. */
const ITEM_STRIDE = 131;

/** How the candidates reach `calibratedRerank`: objects { id, score, categories }, or catalogue positions and scores. */
export type CandidateForm = 'objects' | 'positions';

export interface GreedyThroughput {
  /** Users reranked per wall-clock second, best round. */
  readonly rerankPerSecond: number;
  /** Users reranked per CPU second of this process, best round: steadier than wall time on a shared machine. */
  readonly rerankPerCpuSecond: number;
  /** The baseline: the accuracy list of the same inputs (copy, sort by score, take n), users per wall second. */
  readonly accuracyPerSecond: number;
  readonly accuracyPerCpuSecond: number;
}

/**
 * Greedy throughput on synthetic users (seeded; λ = 0.5), against the accuracy list of the same inputs — what serving
 * does without calibration. Both warmed up once, then timed alternately, best of `rounds` each.
 *
 * By default every candidate of every user has its own id string and categories object (the figure bench:rerank has
 * always printed). With `catalogue` = K, candidates are drawn from K items made once, whose ids and categories objects
 * every user shares — how the reranker passes them (`item.itemId`, `item.categories` of the cached catalogue). The
 * greedy does the same work either way; what differs is how much of its input is still in the CPU's caches, and with
 * 2,000 users of fresh objects (~120 MB) almost none is.
 *
 * With `form` = 'positions' (needs `catalogue`), the same users are reranked through a `RerankCatalogue` of the K items,
 * built once before timing: each call gets the candidates' catalogue positions and scores as typed arrays. Before
 * timing, every user's result is checked to equal the object form's (all fields), so the figure is for the same work.
 */
export function greedyThroughput(users: number, rounds = 3, catalogue?: number, form: CandidateForm = 'objects'): GreedyThroughput {
  const { candidates: C, n: N } = GREEDY_SHAPE;
  const random = mulberry32(20);
  if (catalogue !== undefined && !(Number.isInteger(catalogue) && catalogue >= C && catalogue % ITEM_STRIDE !== 0)) {
    throw new Error(`catalogue must be an integer ≥ ${C} (the candidates per user) and not a multiple of ${ITEM_STRIDE}; got ${catalogue}`);
  }
  const items = Array.from({ length: catalogue ?? 0 }, (_, i) => ({ id: `item-${i}`, categories: genresOf(random) }));
  const candidateOf = (u: number, i: number): RerankCandidate => {
    if (catalogue === undefined) return { id: `u${u}-i${i}`, score: random(), categories: genresOf(random) };
    // C distinct items per user: a per-user start, then a stride coprime to K (checked above), so no item repeats.
    const item = items[(u * 7919 + i * ITEM_STRIDE) % items.length]!;
    return { id: item.id, score: random(), categories: item.categories };
  };
  const inputs = Array.from({ length: users }, (_, u) => {
    const candidates: RerankCandidate[] = Array.from({ length: C }, (_, i) => candidateOf(u, i));
    const weights = GENRES.map(() => random() ** 3);
    const total = weights.reduce((a, b) => a + b, 0);
    return { candidates, profile: Object.fromEntries(GENRES.map((g, k) => [g, weights[k]! / total])) };
  });
  let sink = 0;
  let rerank = () => {
    for (const input of inputs) sink += calibratedRerank({ ...input, n: N, lambda: 0.5 }).items.length;
  };
  if (form === 'positions') {
    if (catalogue === undefined) throw new Error('the positions form reranks from a catalogue: give catalogue');
    const prepared = RerankCatalogue.of(items);
    const byPosition = inputs.map(({ candidates, profile }) => ({
      catalogue: prepared,
      positions: Int32Array.from(candidates, (candidate) => prepared.positionOf(candidate.id)!),
      scores: Float64Array.from(candidates, (candidate) => candidate.score),
      profile,
    }));
    byPosition.forEach((input, u) => {
      const expected = JSON.stringify(calibratedRerank({ ...inputs[u]!, n: N, lambda: 0.5 }));
      if (JSON.stringify(calibratedRerank({ ...input, n: N, lambda: 0.5 })) !== expected) throw new Error(`user ${u}: the positions form differs from the object form`);
    });
    rerank = () => {
      for (const input of byPosition) sink += calibratedRerank({ ...input, n: N, lambda: 0.5 }).items.length;
    };
  }
  const accuracy = () => {
    for (const input of inputs) sink += [...input.candidates].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, N).length;
  };
  const time = (run: () => void): { wall: number; cpu: number } => {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    run();
    const used = process.cpuUsage(cpu);
    return { wall: users / (Number(process.hrtime.bigint() - started) / 1e9), cpu: users / ((used.user + used.system) / 1e6) };
  };
  rerank();
  accuracy();
  const rerankRates: { wall: number; cpu: number }[] = [];
  const accuracyRates: { wall: number; cpu: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    rerankRates.push(time(rerank));
    accuracyRates.push(time(accuracy));
  }
  if (sink === 0) throw new Error('nothing was ranked');
  const best = (rates: { wall: number; cpu: number }[], key: 'wall' | 'cpu') => Math.max(...rates.map((rate) => rate[key]));
  return {
    rerankPerSecond: best(rerankRates, 'wall'),
    rerankPerCpuSecond: best(rerankRates, 'cpu'),
    accuracyPerSecond: best(accuracyRates, 'wall'),
    accuracyPerCpuSecond: best(accuracyRates, 'cpu'),
  };
}
