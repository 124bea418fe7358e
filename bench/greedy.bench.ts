/**
 * `calibratedRerank` alone, without the stack `bench:rerank` needs: users reranked per second on one thread at
 * C = 500, n = 20, G = 20 (issue #14 asks for ≥ 4,000), wall and per CPU second, against the accuracy list of the same
 * inputs (sort by score, top n) measured in the same run. Seconds to run, so it can be repeated while the machine is
 * shared; judge by the CPU figures and the ratio. Three input shapes, each against its own baseline: every candidate a
 * fresh object (what bench:rerank prints), candidate objects drawn from one shared catalogue of --catalogue items, and
 * the same candidates as positions in a `RerankCatalogue` of those items with typed-array scores, as the reranker
 * passes them (see `greedyThroughput`).
 *
 *   npm run bench:greedy -- [--users 2000] [--rounds 5] [--catalogue 10000]
 */
import { loadavg } from 'node:os';
import { flag } from './bench-stack';
import { GREEDY_SHAPE, greedyThroughput } from './greedy-throughput';

const USERS = flag('users', 2000);
const ROUNDS = flag('rounds', 5);
const CATALOGUE = flag('catalogue', 10_000);

const fmt = (value: number): string => Math.round(value).toLocaleString('en-US');
const { candidates, n, genres } = GREEDY_SHAPE;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
process.stdout.write(`calibratedRerank alone (C = ${candidates}, n = ${n}, G = ${genres}, λ = 0.5; ${fmt(USERS)} users, best of ${ROUNDS} rounds; load average ${load()})\n`);
const shapes = [
  ['fresh objects per candidate', undefined, 'objects'],
  [`objects from a shared catalogue of ${fmt(CATALOGUE)} items`, CATALOGUE, 'objects'],
  [`positions in a RerankCatalogue of the same ${fmt(CATALOGUE)} items`, CATALOGUE, 'positions'],
] as const;
for (const [label, catalogue, form] of shapes) {
  const result = greedyThroughput(USERS, ROUNDS, catalogue, form);
  process.stdout.write(
    [
      `candidates: ${label}`,
      `  calibratedRerank         ${fmt(result.rerankPerSecond).padStart(7)} users/s   ${fmt(result.rerankPerCpuSecond).padStart(7)} per CPU second   (target ≥ 4,000)`,
      `  accuracy list (sort)     ${fmt(result.accuracyPerSecond).padStart(7)} users/s   ${fmt(result.accuracyPerCpuSecond).padStart(7)} per CPU second`,
      `  ratio greedy ÷ sort      ${(result.rerankPerCpuSecond / result.accuracyPerCpuSecond).toFixed(2)} (CPU)`,
      '',
    ].join('\n'),
  );
}
process.stdout.write(`load average at the end ${load()}\n`);
