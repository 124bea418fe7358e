/**
 * The Steck greedy as it was before the term-interned version of `../steck-greedy.ts` (one logarithm per group entry
 * and step, grouping through a Map): kept unchanged as the oracle the fast greedy must agree with to the last item.
 * Test code only.
 */
import { rankedAbove, type CandidateRows, type TargetCategories } from '../candidate-rows';

/** Greedy gains closer than this (relative, floor 1) count as tied and fall to the score-then-id tie-break. */
const TIE_TOLERANCE = 1e-12;

/**
 * Candidates whose target-category rows are identical get identical KL increments in every step, so only the best
 * remaining member of such a group (highest score, then id) can win a step: the greedy evaluates groups, not
 * candidates. Exact, and a large saving when items share category sets (genre combinations, single-genre items).
 */
export interface IdenticalRowGroups {
  readonly count: number;
  /** A representative member per group, whose CSR row the group shares. */
  readonly row: Int32Array;
  /** The group's best unselected member, −1 once exhausted. */
  readonly head: Int32Array;
  /** Members of a group as a linked list: firstMember[group], then nextMember[member] until −1. */
  readonly firstMember: Int32Array;
  readonly nextMember: Int32Array;
}

export function groupIdenticalRows(rows: CandidateRows): IdenticalRowGroups {
  const { count: candidateCount, rowStart, entryCategory, entryWeight } = rows;
  const row = new Int32Array(candidateCount);
  const head = new Int32Array(candidateCount);
  const firstMember = new Int32Array(candidateCount);
  const nextMember = new Int32Array(candidateCount);
  const nextInBucket = new Int32Array(candidateCount);
  const bucketByHash = new Map<number, number>();
  let count = 0;
  for (let i = 0; i < candidateCount; i++) {
    const hash = rowHash(entryCategory, entryWeight, rowStart[i], rowStart[i + 1]);
    const bucket = bucketByHash.get(hash) ?? -1;
    let group = bucket;
    while (group >= 0 && !rowsEqual(rows, row[group], i)) group = nextInBucket[group];
    if (group < 0) {
      group = count++;
      row[group] = i;
      head[group] = i;
      firstMember[group] = -1;
      nextInBucket[group] = bucket;
      bucketByHash.set(hash, group);
    } else if (rankedAbove(rows, i, head[group])) {
      head[group] = i;
    }
    nextMember[i] = firstMember[group];
    firstMember[group] = i;
  }
  return { count, row, head, firstMember, nextMember };
}

/**
 * Steck's greedy with running category mass: n times, append the candidate that maximises F(I ∪ {i}), scored as
 * (1−λ)·s(i) plus λ times its KL increment over the step's shared base (see `calibratedRerank`). Returns the candidate
 * indices in the order picked; advances `groups.head` as members are taken.
 */
export function steckGreedyOrder(
  rows: CandidateRows,
  groups: IdenticalRowGroups,
  target: TargetCategories,
  settings: { readonly n: number; readonly lambda: number; readonly alpha: number },
): number[] {
  const { n, lambda, alpha } = settings;
  const { scores, rowStart, entryCategory, entryWeight } = rows;
  const { mass: targetMass, alphaMass: alphaTarget } = target;
  const categoryCount = targetMass.length;
  const groupCount = groups.count;
  const mass = new Float64Array(categoryCount);
  const base = new Float64Array(categoryCount);
  const selected = new Uint8Array(rows.count);
  const order: number[] = [];
  const keep = 1 - alpha;
  const scoreWeight = 1 - lambda;
  for (let step = 0; step < n; step++) {
    const scale = keep / (step + 1);
    for (let g = 0; g < categoryCount; g++) {
      base[g] = targetMass[g] * Math.log(scale * mass[g] + alphaTarget[g]);
    }
    let best = -1;
    let bestGroup = -1;
    let bestGain = -Infinity;
    let tolerance = 0;
    for (let group = 0; group < groupCount; group++) {
      const i = groups.head[group];
      if (i < 0) continue;
      let delta = 0;
      const row = groups.row[group];
      for (let e = rowStart[row], end = rowStart[row + 1]; e < end; e++) {
        const g = entryCategory[e];
        delta += targetMass[g] * Math.log(scale * (mass[g] + entryWeight[e]) + alphaTarget[g]) - base[g];
      }
      const gain = scoreWeight * scores[i] + lambda * delta;
      const difference = gain - bestGain;
      if (best < 0 || difference > tolerance || (difference >= -tolerance && rankedAbove(rows, i, best))) {
        best = i;
        bestGroup = group;
        bestGain = gain;
        tolerance = TIE_TOLERANCE * (bestGain > 1 ? bestGain : bestGain < -1 ? -bestGain : 1);
      }
    }
    selected[best] = 1;
    order.push(best);
    for (let e = rowStart[best], end = rowStart[best + 1]; e < end; e++) mass[entryCategory[e]] += entryWeight[e];
    groups.head[bestGroup] = bestUnselectedMember(rows, groups, bestGroup, selected);
  }
  return order;
}

/** The group's new head after one of its members was taken: its best member not yet selected, or −1. */
function bestUnselectedMember(rows: CandidateRows, groups: IdenticalRowGroups, group: number, selected: Uint8Array): number {
  let head = -1;
  for (let member = groups.firstMember[group]; member >= 0; member = groups.nextMember[member]) {
    if (selected[member] === 0 && (head < 0 || rankedAbove(rows, member, head))) head = member;
  }
  return head;
}

function rowsEqual(rows: CandidateRows, a: number, b: number): boolean {
  const { rowStart, entryCategory, entryWeight } = rows;
  const length = rowStart[a + 1] - rowStart[a];
  if (rowStart[b + 1] - rowStart[b] !== length) return false;
  for (let k = 0; k < length; k++) {
    const ea = rowStart[a] + k;
    const eb = rowStart[b] + k;
    if (entryCategory[ea] !== entryCategory[eb] || entryWeight[ea] !== entryWeight[eb]) return false;
  }
  return true;
}

const hashScratch = new Float64Array(1);
const hashScratchWords = new Uint32Array(hashScratch.buffer);

/** A 30-bit hash of one CSR row (category indices and the exact bits of their weights). */
function rowHash(categories: Int32Array, weights: Float64Array, begin: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - begin);
  for (let e = begin; e < end; e++) {
    hashScratch[0] = weights[e];
    hash = Math.imul(hash ^ categories[e], 0x01000193);
    hash = Math.imul(hash ^ hashScratchWords[0], 0x01000193);
    hash = Math.imul(hash ^ hashScratchWords[1], 0x01000193);
  }
  return hash & 0x3fffffff;
}
