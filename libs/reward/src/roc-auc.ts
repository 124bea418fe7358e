/**
 * Area under the ROC curve by the Mann–Whitney U statistic (Hanley & McNeil 1982):
 *
 *   AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ · n₋),
 *
 * R₊ the sum of the positives' ranks among all scores, tied scores sharing their average rank — so a tied
 * positive/negative pair counts ½, exactly as the pairwise definition P(s₊ > s₋) + ½·P(s₊ = s₋). O(n log n).
 *
 * @param labels 1/true positive, 0/false negative
 * @throws RangeError when lengths differ, a score is not finite, a label is not 0/1/boolean, or either class is empty
 *   (AUC is undefined then; failing loudly beats a NaN in a dashboard).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | boolean>): number {
  const n = scores.length;
  if (labels.length !== n) {
    throw new RangeError(`rocAuc: ${n} scores but ${labels.length} labels; pass one label per score`);
  }
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`rocAuc: score[${i}] is ${scores[i]}; scores must be finite`);
    const label = labels[i];
    if (label === 1 || label === true) positives++;
    else if (label !== 0 && label !== false) {
      throw new RangeError(`rocAuc: label[${i}] is ${String(label)}; labels must be 0, 1, false or true`);
    }
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `rocAuc: ${positives} positives and ${negatives} negatives; AUC needs at least one of each`,
    );
  }

  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);

  let positiveRankSum = 0;
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    // Ranks start..end−1 (0-based) share the 1-based average rank (start + 1 + end) / 2.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      const label = labels[order[k]!];
      if (label === 1 || label === true) positiveRankSum += averageRank;
    }
    start = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
