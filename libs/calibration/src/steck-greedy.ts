import { rankedAbove, type CandidateRows, type TargetCategories } from './candidate-rows';
import { OpenAddressTable } from './open-address-table';
import type { ScratchArena } from './scratch-arena';

/** Greedy gains closer than this (relative, floor 1) count as tied and fall to the score-then-id tie-break. */
const TIE_TOLERANCE = 1e-12;

/**
 * Candidates whose target-category rows are identical get identical KL increments in every step, so only the best
 * remaining member of such a group (highest score, then id) can win a step: the greedy evaluates groups, not
 * candidates. Exact, and a large saving when items share category sets (genre combinations, single-genre items).
 *
 * A group's row is stored as term ids: a term is one distinct (category, weight) pair among all groups' rows. A step's
 * KL increment of an entry depends on nothing else, so the greedy takes one logarithm per term and step instead of one
 * per group entry (on MovieLens-like items, ~60 terms against ~900 entries at C = 500, G = 20).
 */
export interface IdenticalRowGroups {
  readonly count: number;
  /** The group's best unselected member, −1 once exhausted. */
  readonly head: Int32Array;
  /** Members of a group as a linked list: firstMember[group], then nextMember[member] until −1. */
  readonly firstMember: Int32Array;
  readonly nextMember: Int32Array;
  /**
   * The group's row as term ids, in the row's (category-index) order: termId[termStart[group] … termStart[group+1]−1],
   * possibly padded at the end with id `terms.count`, whose increment is 0.
   */
  readonly termStart: Int32Array;
  readonly termId: Int32Array;
  readonly terms: RowTerms;
}

/** The distinct (category, weight) pairs of the groups' rows. */
export interface RowTerms {
  /** Number of terms; id `count` is the padding term. */
  readonly count: number;
  readonly category: Int32Array;
  readonly weight: Float64Array;
}

export function groupIdenticalRows(rows: CandidateRows, arena: ScratchArena): IdenticalRowGroups {
  const { count: candidateCount, rowStart, entryCategory, entryWeight } = rows;
  const row = arena.int32(candidateCount);
  const head = arena.int32(candidateCount);
  const firstMember = arena.int32(candidateCount);
  const nextMember = arena.int32(candidateCount);
  const groupHash = arena.int32(candidateCount);
  const table = new OpenAddressTable(candidateCount, arena);
  let count = 0;
  for (let i = 0; i < candidateCount; i++) {
    const hash = rowHash(entryCategory, entryWeight, rowStart[i], rowStart[i + 1]);
    let slot = table.firstSlot(hash);
    let group = table.slots[slot];
    while (group >= 0 && !(groupHash[group] === hash && rowsEqual(rows, row[group], i))) {
      slot = table.nextSlot(slot);
      group = table.slots[slot];
    }
    if (group < 0) {
      group = count++;
      table.slots[slot] = group;
      groupHash[group] = hash;
      row[group] = i;
      head[group] = i;
      firstMember[group] = -1;
    } else if (rankedAbove(rows, i, head[group])) {
      head[group] = i;
    }
    nextMember[i] = firstMember[group];
    firstMember[group] = i;
  }
  const { termStart, termId, terms } = internRowTerms(rows, row, count, arena);
  return { count, head, firstMember, nextMember, termStart, termId, terms };
}

/** The representative rows of the groups rewritten as ids of distinct (category, weight) terms. */
function internRowTerms(
  rows: CandidateRows,
  representative: Int32Array,
  groupCount: number,
  arena: ScratchArena,
): { termStart: Int32Array; termId: Int32Array; terms: RowTerms } {
  const { rowStart, entryCategory, entryWeight } = rows;
  let longest = 0;
  for (let group = 0; group < groupCount; group++) {
    const i = representative[group];
    longest = Math.max(longest, rowStart[i + 1] - rowStart[i]);
  }
  // Rows padded to one length with a term whose increment is 0 (delta + 0 = delta exactly): the greedy's inner loop
  // then has the same trip count for every group, which the branch predictor learns. Only for short rows, where
  // padding costs little.
  const padded = longest <= MAX_PADDED_ROW;
  const termStart = arena.int32(groupCount + 1);
  for (let group = 0; group < groupCount; group++) {
    const i = representative[group];
    termStart[group + 1] = termStart[group] + (padded ? longest : rowStart[i + 1] - rowStart[i]);
  }
  const slotCount = termStart[groupCount];
  const termId = arena.int32(slotCount);
  const category = arena.int32(slotCount + 1);
  const weight = arena.float64(slotCount + 1);
  const table = new OpenAddressTable(slotCount, arena);
  let count = 0;
  for (let group = 0; group < groupCount; group++) {
    const i = representative[group];
    const firstPad = termStart[group] + rowStart[i + 1] - rowStart[i];
    for (let t = firstPad; t < termStart[group + 1]; t++) termId[t] = ZERO_TERM;
    for (let e = rowStart[i], t = termStart[group]; e < rowStart[i + 1]; e++, t++) {
      const g = entryCategory[e];
      const w = entryWeight[e];
      let slot = table.firstSlot(rowHash(entryCategory, entryWeight, e, e + 1));
      let term = table.slots[slot];
      while (term >= 0 && !(category[term] === g && weight[term] === w)) {
        slot = table.nextSlot(slot);
        term = table.slots[slot];
      }
      if (term < 0) {
        term = count++;
        table.slots[slot] = term;
        category[term] = g;
        weight[term] = w;
      }
      termId[t] = term;
    }
  }
  // The padding term goes last, so that its slot in the greedy's increments is one no real term writes.
  for (let t = 0; t < slotCount; t++) if (termId[t] === ZERO_TERM) termId[t] = count;
  return { termStart, termId, terms: { count, category, weight } };
}

/** Longest row (categories of an item in the target) for which rows are padded to one length. */
const MAX_PADDED_ROW = 4;
const ZERO_TERM = -1;

/**
 * Steck's greedy with running category mass: n times, append the candidate that maximises F(I ∪ {i}), scored as
 * (1−λ)·s(i) plus λ times its KL increment over the step's shared base (see `calibratedRerank`). Returns the candidate
 * indices in the order picked; advances `groups.head` as members are taken.
 *
 * Each increment is the sum, in row order, of its entries' terms p_g·ln((1−α)·(m_g + w)/(|I|+1) + α·p_g) − b_g, each
 * computed by the same expression as an entry-by-entry loop would: the gains, hence the lists, are bit-identical to it.
 */
export function steckGreedyOrder(
  rows: CandidateRows,
  groups: IdenticalRowGroups,
  target: TargetCategories,
  settings: { readonly n: number; readonly lambda: number; readonly alpha: number },
  arena: ScratchArena,
): number[] {
  const { n, lambda, alpha } = settings;
  const { scores, rowStart, entryCategory, entryWeight } = rows;
  const { mass: targetMass, alphaMass: alphaTarget } = target;
  const { head, termStart, termId, terms } = groups;
  const { category: termCategory, weight: termWeight, count: termCount } = terms;
  const categoryCount = targetMass.length;
  const groupCount = groups.count;
  const mass = arena.float64(categoryCount);
  const base = arena.float64(categoryCount);
  // One more slot, never written: the padding term's increment, 0.
  const termIncrement = arena.float64(termCount + 1);
  const selected = arena.uint8(rows.count);
  const order: number[] = [];
  const keep = 1 - alpha;
  const scoreWeight = 1 - lambda;
  for (let step = 0; step < n; step++) {
    const scale = keep / (step + 1);
    for (let g = 0; g < categoryCount; g++) {
      base[g] = targetMass[g] * Math.log(scale * mass[g] + alphaTarget[g]);
    }
    for (let k = 0; k < termCount; k++) {
      const g = termCategory[k];
      termIncrement[k] = targetMass[g] * Math.log(scale * (mass[g] + termWeight[k]) + alphaTarget[g]) - base[g];
    }
    let best = -1;
    let bestGroup = -1;
    let bestGain = -Infinity;
    let tolerance = 0;
    for (let group = 0; group < groupCount; group++) {
      const i = head[group];
      if (i < 0) continue;
      let delta = 0;
      for (let t = termStart[group], end = termStart[group + 1]; t < end; t++) delta += termIncrement[termId[t]];
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
    head[bestGroup] = bestUnselectedMember(rows, groups, bestGroup, selected);
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

/** A 30-bit hash of CSR entries begin … end−1 (category indices and the exact bits of their weights). */
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
