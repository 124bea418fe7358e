import { calibratedRerank, type RerankCandidate } from '@chorus/calibration';
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
 */
export function greedyThroughput(users: number, rounds = 3): GreedyThroughput {
  const { candidates: C, n: N } = GREEDY_SHAPE;
  const random = mulberry32(20);
  const inputs = Array.from({ length: users }, (_, u) => {
    const candidates: RerankCandidate[] = Array.from({ length: C }, (_, i) => ({ id: `u${u}-i${i}`, score: random(), categories: genresOf(random) }));
    const weights = GENRES.map(() => random() ** 3);
    const total = weights.reduce((a, b) => a + b, 0);
    return { candidates, profile: Object.fromEntries(GENRES.map((g, k) => [g, weights[k]! / total])) };
  });
  let sink = 0;
  const rerank = () => {
    for (const input of inputs) sink += calibratedRerank({ ...input, n: N, lambda: 0.5 }).items.length;
  };
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
