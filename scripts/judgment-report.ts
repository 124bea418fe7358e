import type { PlantedAnnotators } from '@chorus/simulation';
import type { FileJudgment } from './judgment-file';
import type { ReplayResult } from './judgment-replay';
import { DataFileError, splitCsvLine } from './movielens-reader';

/** A planted population as a judgment file (one row per judgment, in time order). */
export function plantedJudgmentCsv(planted: PlantedAnnotators): string {
  const start = Date.UTC(2026, 0, 1);
  const lines = ['annotatorId,chosenId,rejectedId,occurredAt,framingId,position'];
  planted.judgments.forEach((j, k) => lines.push(`${j.userId},${j.chosenId},${j.rejectedId},${new Date(start + k * 1000).toISOString()},${j.framingId},${j.position}`));
  return `${lines.join('\n')}\n`;
}

/** The planted item qualities: itemId,quality. */
export function plantedTruthCsv(planted: PlantedAnnotators): string {
  return `itemId,quality\n${[...planted.quality].map(([item, quality]) => `${item},${quality}`).join('\n')}\n`;
}

/**
 * Reads itemId,quality and checks it covers every item of the judgments.
 *
 * @throws DataFileError naming the line and what is wrong, or the first item the truth lacks.
 */
export function parseTruthCsv(text: string, file: string, rows: readonly FileJudgment[]): Map<string, number> {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== 'itemId,quality') throw new DataFileError(file, 1, `expected the header "itemId,quality", found "${lines[0]}"`);
  const truth = new Map<string, number>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k]!.trim() === '') continue;
    const fields = splitCsvLine(lines[k]!);
    if (fields.length !== 2) throw new DataFileError(file, k + 1, `expected 2 fields (itemId,quality), found ${fields.length}`);
    const quality = Number(fields[1]);
    if (fields[0]!.trim() === '' || fields[1]!.trim() === '' || !Number.isFinite(quality)) throw new DataFileError(file, k + 1, `expected an item id and a finite quality, found "${lines[k]}"`);
    if (truth.has(fields[0]!)) throw new DataFileError(file, k + 1, `item "${fields[0]}" appears twice`);
    truth.set(fields[0]!, quality);
  }
  for (const row of rows) {
    for (const item of [row.chosenId, row.rejectedId]) {
      if (!truth.has(item)) throw new DataFileError(file, lines.length, `has no quality for item "${item}" (judgment file line ${row.line}); the truth must cover every item`);
    }
  }
  return truth;
}

const percent = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** The experiment's printout. */
export function formatReplay(r: ReplayResult, run: { file: string; seed: number; holdout: number; seconds: number; partitions?: number }): string {
  const truth = r.weighted.truth !== undefined;
  const partitions = run.partitions ?? 1;
  const lines = [
    `${run.file}: ${r.judgments} judgments, ${r.annotators} annotators, ${r.pairs} distinct pairs; held out ${r.heldOutPairs} pairs (${percent(run.holdout)}, seed ${run.seed}): ${r.testJudgments} test judgments, ${r.majorityPairs} pairs with a majority`,
    ...(partitions > 1 ? [`annotators sharded over ${partitions} partitions as the learner does: each judgment's leave-one-out majority is its partition's`] : []),
    '',
    `held-out accuracy          against the pair majority${truth ? '   against the planted truth' : ''}`,
    `  unweighted               ${percent(r.unweighted.majority).padStart(6)}${truth ? `                      ${percent(r.unweighted.truth!).padStart(6)}` : ''}`,
    `  reliability-weighted     ${percent(r.weighted.majority).padStart(6)}${truth ? `                      ${percent(r.weighted.truth!).padStart(6)}` : ''}`,
    `  (mean training weight ${r.meanWeight.toFixed(3)})`,
    '',
    `signal classes (annotator, pair): genuine ${percent(r.classShares.genuine)}, non-attitude ${percent(r.classShares['non-attitude'])}, constructed ${percent(r.classShares.constructed)}, unknown ${percent(r.classShares.unknown)}`,
    `annotator classes (largest mean posterior): genuine ${r.annotatorClasses.genuine}, non-attitude ${r.annotatorClasses['non-attitude']}, constructed ${r.annotatorClasses.constructed}`,
    `judgments against the leave-one-out pair majority: ${percent(r.judgmentsAgainstMajority)}`,
    `annotators below 0.5 agreement: ${r.annotatorsBelowHalf} of ${r.annotatorsCompared} (${percent(r.annotatorsBelowHalf / Math.max(1, r.annotatorsCompared))}); with ≥ 20 compared judgments: ${r.frequentBelowHalf} of ${r.frequentAnnotators} (${percent(r.frequentBelowHalf / Math.max(1, r.frequentAnnotators))})`,
    r.positionJudgments === 0
      ? 'position bias: no position column'
      : `position bias: first shown chosen in ${percent(r.firstShownShare)} ± ${percent(1.96 * r.firstShownStandardError)} of ${r.positionJudgments} judgments; ${r.annotatorsWithPositionBias} annotators with a detected bias (½ beyond 2 sd)`,
    `(${run.seconds.toFixed(1)} s)`,
  ];
  return lines.join('\n');
}
