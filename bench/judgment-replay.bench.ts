/**
 * experiment:judgments cost: the whole experiment on a planted file held in memory (CSV parse with Zod, holdout,
 * ReliabilityTracker.observe per training judgment, two Bradley–Terry aggregates, the per-annotator reports) against a
 * baseline measured in the same run: one unweighted Bradley–Terry pass over the same judgments (what any aggregate
 * costs). At three sizes, to show how the cost grows. Rounds alternate; the best of each is reported.
 *
 *   npm run bench:judgments -- [--rounds 3]
 */
import { DiagonalGaussianLogistic, pairwiseObservation } from '@chorus/reward';
import { plantAnnotators } from '@chorus/simulation';
import { flag } from './bench-stack';
import { parseJudgmentCsv } from '../scripts/judgment-file';
import { plantedJudgmentCsv } from '../scripts/judgment-report';
import { replayJudgments } from '../scripts/judgment-replay';

const ROUNDS = flag('rounds', 3);
const EMPTY = new Map<string, number>();

function time(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function main(): void {
  process.stdout.write('judgments   baseline BT pass   experiment   per judgment   ratio\n');
  for (const annotators of [105, 210, 420]) {
    const planted = plantAnnotators({ annotatorCount: annotators });
    const text = plantedJudgmentCsv(planted);
    let baseline = Infinity;
    let experiment = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      baseline = Math.min(baseline, time(() => {
        const model = new DiagonalGaussianLogistic({ priorVariance: 1 });
        for (const j of planted.judgments) model.update(pairwiseObservation(EMPTY, j.chosenId, EMPTY, j.rejectedId).aggregateX, 1, 1);
      }));
      experiment = Math.min(experiment, time(() => replayJudgments(parseJudgmentCsv(text, 'planted.csv'), { seed: 15, holdout: 0.2, itemPriorVariance: 1 })));
    }
    const n = planted.judgments.length;
    process.stdout.write(
      `${String(n).padStart(9)}   ${`${baseline.toFixed(0)} ms`.padStart(16)}   ${`${experiment.toFixed(0)} ms`.padStart(10)}   ${`${((1000 * experiment) / n).toFixed(1)} µs`.padStart(12)}   ${(experiment / baseline).toFixed(1).padStart(5)}\n`,
    );
  }
}

main();
