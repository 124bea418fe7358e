/**
 * Label reliability on any pairwise judgment file (issue #15): held-out accuracy of the aggregate Bradley–Terry model
 * trained unweighted and reliability-weighted, the class shares, the annotators below 0.5 agreement with the others,
 * and the position bias.
 *
 *   npm run experiment:judgments -- --file F.csv [--truth T.csv] [--seed 15] [--holdout 0.2] [--item-prior-variance 1] [--partitions 1]
 *     [--user-factor off] [--min-other-judgments 0]
 *   npm run experiment:judgments -- --plant F.csv [--seed 15] [--annotators 300]   (writes a planted file and F.truth.csv)
 *
 * F.csv: header and columns annotatorId,chosenId,rejectedId, optionally occurredAt,tie,framingId,position,order
 * (position = where chosenId was shown, 0 or 1). T.csv: itemId,quality (the planted truth; optional).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_RELIABILITY_OPTIONS } from '@chorus/reliability';
import { plantAnnotators } from '@chorus/simulation';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { parseJudgmentCsv } from './judgment-file';
import { formatReplay, plantedJudgmentCsv, plantedTruthCsv, parseTruthCsv } from './judgment-report';
import { replayJudgments } from './judgment-replay';

const usage = [
  'usage: npm run experiment:judgments -- --file F.csv [--truth T.csv] [--seed 15] [--holdout 0.2] [--item-prior-variance 1] [--partitions 1]',
  '       --partitions N: shard annotators over N feedback partitions as the learner does (its FEEDBACK_PARTITIONS), so the',
  '       leave-one-out majority, and every weight, is what the learner computes from the same judgments',
  '       [--user-factor on|off] [--min-other-judgments K]: the user factor and when a judgment is compared with the others',
  `       (libs/reliability's defaults: ${DEFAULT_RELIABILITY_OPTIONS.userFactor ? 'on' : 'off'}, ${DEFAULT_RELIABILITY_OPTIONS.minOtherJudgments}, which the learner uses; other values measure alternatives)`,
  '       npm run experiment:judgments -- --plant F.csv [--seed 15] [--annotators 300]',
].join('\n');

function options() {
  const values = parseFlags(usage, {
    file: { type: 'string' },
    truth: { type: 'string' },
    plant: { type: 'string' },
    seed: { type: 'string', default: '15' },
    holdout: { type: 'string', default: '0.2' },
    annotators: { type: 'string', default: '300' },
    'item-prior-variance': { type: 'string', default: '1' },
    partitions: { type: 'string', default: '1' },
    'user-factor': { type: 'string', default: DEFAULT_RELIABILITY_OPTIONS.userFactor ? 'on' : 'off' },
    'min-other-judgments': { type: 'string', default: String(DEFAULT_RELIABILITY_OPTIONS.minOtherJudgments) },
  });
  const integer = (name: string, text: string, min: number, max: number) => numberFlag(name, text, { min, max, integer: true });
  const holdout = Number(values.holdout);
  if (!(holdout > 0 && holdout < 1)) throw new UsageError(`--holdout must be a share in (0, 1), got "${values.holdout}"`);
  const itemPriorVariance = Number(values['item-prior-variance']);
  if (!(itemPriorVariance > 0 && itemPriorVariance <= MAX_PRIOR_VARIANCE)) {
    throw new UsageError(`--item-prior-variance must lie in (0, ${MAX_PRIOR_VARIANCE}], got "${values['item-prior-variance']}"`);
  }
  if (values['user-factor'] !== 'on' && values['user-factor'] !== 'off') throw new UsageError(`--user-factor must be on or off, got "${values['user-factor']}"`);
  if ((values.file === undefined) === (values.plant === undefined)) throw new UsageError('give exactly one of --file (run the experiment) and --plant (write a planted file)');
  if (values.plant !== undefined && values.truth !== undefined) throw new UsageError('--truth goes with --file; --plant writes its own truth file');
  return {
    file: values.file,
    truth: values.truth,
    plant: values.plant,
    seed: integer('seed', values.seed, 0, 2 ** 32 - 1),
    holdout,
    annotators: integer('annotators', values.annotators, 1, 1_000_000),
    itemPriorVariance,
    partitions: integer('partitions', values.partitions, 1, 1024),
    reliability: { userFactor: values['user-factor'] === 'on', minOtherJudgments: integer('min-other-judgments', values['min-other-judgments'], 0, 1_000_000) },
  };
}

function main(): void {
  const o = options();
  if (o.plant !== undefined) {
    const planted = plantAnnotators({ seed: o.seed, annotatorCount: o.annotators });
    const truthFile = o.plant.replace(/(\.csv)?$/, '.truth.csv');
    writeFileSync(o.plant, plantedJudgmentCsv(planted));
    writeFileSync(truthFile, plantedTruthCsv(planted));
    process.stdout.write(`wrote ${planted.judgments.length} judgments of ${planted.annotators.length} annotators to ${o.plant} and the planted item qualities to ${truthFile}\n`);
    process.stdout.write(`run: npm run experiment:judgments -- --file ${o.plant} --truth ${truthFile}\n`);
    return;
  }
  const started = process.hrtime.bigint();
  const rows = parseJudgmentCsv(readFileSync(o.file!, 'utf8'), o.file!);
  const truth = o.truth === undefined ? undefined : parseTruthCsv(readFileSync(o.truth, 'utf8'), o.truth, rows);
  const result = replayJudgments(rows, { seed: o.seed, holdout: o.holdout, itemPriorVariance: o.itemPriorVariance, partitions: o.partitions, reliability: o.reliability, ...(truth === undefined ? {} : { truth }) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${formatReplay(result, { file: o.file!, seed: o.seed, holdout: o.holdout, seconds, partitions: o.partitions })}\n`);
}

runCommand('judgments', usage, main);
