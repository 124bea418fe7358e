/**
 * Steck's calibration experiment (RecSys 2018, §5) on MovieLens latest-small, offline, with the project's own
 * libraries: the reward models of DESIGN §4 (libs/reward) trained on a time-ordered split, Steck's greedy
 * (libs/calibration) over a λ sweep, and per λ the mean C_KL and precision@10 of the lists.
 *
 *   npm run experiment:calibration -- [--data <dir>] [--tau2 1] [--candidates 500] [--n 10] [--test-fraction 0.2]
 *                                     [--min-train 10] [--profile all|positive] [--relevance sigmoid|minmax]
 *
 * The protocol is calibrationSweep's (scripts/movielens/calibration-sweep.ts), which the demo's report runs too.
 */
import { resolve } from 'node:path';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { calibrationSweep, POSITIVE_AT } from './movielens/calibration-sweep';
import { readMovieLens } from './movielens-reader';

const usage =
  'usage: npm run experiment:calibration -- [--data <dir>] [--tau2 1] [--candidates 500] [--n 10] [--test-fraction 0.2] [--min-train 10] [--profile all|positive] [--relevance sigmoid|minmax]';

function options() {
  const values = parseFlags(usage, {
    data: { type: 'string', default: resolve(__dirname, '..', '..', '..', 'shared', 'data', 'movielens-latest-small') },
    tau2: { type: 'string', default: '1' },
    candidates: { type: 'string', default: '500' },
    n: { type: 'string', default: '10' },
    'test-fraction': { type: 'string', default: '0.2' },
    'min-train': { type: 'string', default: '10' },
    profile: { type: 'string', default: 'all' },
    relevance: { type: 'string', default: 'sigmoid' },
  });
  const number = (name: keyof typeof values, min: number, max: number, integer: boolean) => numberFlag(name, values[name], { min, max, integer });
  if (!['all', 'positive'].includes(values.profile!)) throw new UsageError(`--profile must be all or positive, got "${values.profile}"`);
  if (!['sigmoid', 'minmax'].includes(values.relevance!)) throw new UsageError(`--relevance must be sigmoid or minmax, got "${values.relevance}"`);
  return {
    data: values.data!,
    tau2: number('tau2', 0, MAX_PRIOR_VARIANCE, false),
    candidates: number('candidates', 1, 1e6, true),
    n: number('n', 1, 200, true),
    testFraction: number('test-fraction', 0.01, 0.9, false),
    minTrain: number('min-train', 1, 1e6, true),
    profile: values.profile as 'all' | 'positive',
    relevance: values.relevance as 'sigmoid' | 'minmax',
  };
}

function main(): void {
  const opts = options();
  const { ratings, movies } = readMovieLens(opts.data);
  const sweep = calibrationSweep(ratings, movies, opts);
  const { evaluated } = sweep;

  const pad = (text: string, width: number) => text.padStart(width);
  const lines = [
    `Steck calibration experiment on ${opts.data}`,
    `  ${ratings.length} ratings, ${movies.length} movies; per-user time-ordered split, last ${opts.testFraction * 100}% held out; τ² = ${opts.tau2}`,
    `  ${evaluated} users evaluated (≥ ${opts.minTrain} training ratings and ≥ 1 held-out rating ≥ ${POSITIVE_AT}); C = ${opts.candidates} candidates, n = ${opts.n}, α = 0.01`,
    `  profile: ${opts.profile === 'all' ? 'every training movie, weight 1' : 'training movies rated ≥ 4'}; relevance: ${opts.relevance === 'sigmoid' ? 'σ(logit)' : 'min-max of the logits over the candidates'}`,
    '',
    `${pad('λ', 5)} ${pad('mean C_KL', 10)} ${pad(`prec@${opts.n}`, 9)} ${pad('rel. kept', 10)} ${pad('minority share (list / profile)', 32)} ${pad('accuracy-list guard', 20)}`,
  ];
  for (const row of sweep.rows) {
    lines.push(
      `${pad(row.lambda.toFixed(2), 5)} ${pad(row.kl.toFixed(4), 10)} ${pad(row.precision.toFixed(4), 9)} ${pad(row.relevanceKept.toFixed(4), 10)} ${pad(
        `${row.minorityListShare.toFixed(4)} / ${row.minorityProfileShare.toFixed(4)}`,
        32,
      )} ${pad(`${row.accuracyListGuard} of ${evaluated}`, 20)}`,
    );
  }
  lines.push('', `training ${sweep.trainingSeconds.toFixed(1)} s, reranking ${sweep.rerankingSeconds.toFixed(1)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

runCommand('calibration', usage, main);
