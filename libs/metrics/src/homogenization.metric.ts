import { MetricInputError } from './metric-input.error';
import { requireInteger } from './metric-input.guard';
import { invalidState, readArray, readFiniteNumber, readStateRecord } from './metric-state.guard';
import { EMPTY_SLOT, MinHashFamily, matchingSlots, readSignature } from './minhash.sketch';

export interface HomogenizationOptions {
  /** The fixed panel of user pairs (see `sampleUserPairs`). Pairs are unordered, distinct, of distinct users. */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  /** Hash functions per sketch; standard error ≤ 1/(2√k). Default 128 (≤ 0.044). */
  readonly k?: number;
  /** Seed of the hash family. Default 0x5eed. */
  readonly seed?: number;
  /**
   * A family to share (its k and seed then apply; `k`/`seed`, if given too, must match it). One family across a
   * shard's successive buckets keeps the items' hash rows computed once (see {@link MinHashFamily.hashRow}).
   */
  readonly family?: MinHashFamily;
}

export interface HomogenizationState {
  readonly kind: 'homogenization';
  readonly version: 1;
  readonly k: number;
  readonly seed: number;
  readonly pairs: Array<[string, string]>;
  /** Users with at least one consumption: [userId, items added, signature]. */
  readonly users: Array<[string, number, number[]]>;
}

/**
 * Homogenization of consumption (Chaney, Stewart & Engelhardt 2018, "How algorithmic confounding in recommendation
 * systems increases homogeneity and decreases utility", RecSys 2018, arXiv 1710.11214): the mean Jaccard index of the
 * consumed-item sets of a fixed panel of user pairs,
 *
 *   H = (1/|P'|) Σ_{(u,v) ∈ P'} J(C_u, C_v),     J(A, B) = |A ∩ B| / |A ∪ B|,
 *
 * where P' is the panel minus pairs in which neither user has consumed anything (J = 0/0). Rising H means users are
 * being pushed onto the same items.
 *
 * J is estimated by MinHash (Broder 1997): per tracked user a k-slot signature; J ≈ (matching slots)/k with standard
 * error sqrt(J(1−J)/k); the panel mean of P pairs has error ≈ that / √P. Incremental: the matching-slot count of every
 * pair is kept, and a consumption updates only the slots whose minimum drops and only that user's pairs —
 * O(k + changed slots × pairs per user) per event, O(1) to read. Users outside the panel cost nothing.
 *
 * Layout: the panel's users are interned to dense indices when the panel is fixed; their signatures are rows of one
 * Uint32Array, and each user's pairs are a slice of two Int32Arrays (pair index, partner index), so an event does one
 * lookup of the user, one of the item's cached hash row, and otherwise only typed-array arithmetic.
 * Signatures only grow, so use one instance per time bucket for windowed homogenization.
 */
export class Homogenization {
  readonly family: MinHashFamily;
  private readonly pairs: Array<[string, string]>;
  /** Panel user → dense index, in order of first appearance in the panel (the stored row's order). */
  private readonly index = new Map<string, number>();
  private readonly userIds: string[] = [];
  /** Row u (k slots from u·k) is user u's signature. */
  private readonly signatures: Uint32Array;
  /** Items added per user (repeats included). */
  private readonly additions: Float64Array;
  /** User u's pairs are entries pairStart[u] … pairStart[u+1]−1 of pairOf (pair index) and partnerOf (partner index). */
  private readonly pairStart: Int32Array;
  private readonly pairOf: Int32Array;
  private readonly partnerOf: Int32Array;
  private readonly matches: Int32Array;
  private totalMatches = 0;
  /** Pairs where neither user has consumed anything: their sentinel slots all "match" and must be discounted. */
  private emptyPairs: number;

  constructor(options: HomogenizationOptions) {
    this.family = resolveFamily(options);
    const k = this.family.k;
    this.pairs = validatePairs(options.pairs);
    for (const pair of this.pairs) for (const userId of pair) if (!this.index.has(userId)) this.index.set(userId, this.userIds.push(userId) - 1);
    const users = this.userIds.length;
    const degree = new Int32Array(users + 1);
    for (const pair of this.pairs) {
      for (const userId of pair) {
        const u = this.index.get(userId) as number;
        degree[u] = (degree[u] as number) + 1;
      }
    }
    this.pairStart = new Int32Array(users + 1);
    for (let u = 0; u < users; u++) this.pairStart[u + 1] = (this.pairStart[u] as number) + (degree[u] as number);
    this.pairOf = new Int32Array(2 * this.pairs.length);
    this.partnerOf = new Int32Array(2 * this.pairs.length);
    const fill = this.pairStart.slice(0, users);
    this.pairs.forEach(([a, b], p) => {
      const ua = this.index.get(a) as number;
      const ub = this.index.get(b) as number;
      for (const [u, partner] of [
        [ua, ub],
        [ub, ua],
      ] as const) {
        const at = fill[u] as number;
        this.pairOf[at] = p;
        this.partnerOf[at] = partner;
        fill[u] = at + 1;
      }
    });
    this.signatures = new Uint32Array(users * k).fill(EMPTY_SLOT);
    this.additions = new Float64Array(users);
    this.matches = new Int32Array(this.pairs.length).fill(k);
    this.totalMatches = k * this.pairs.length;
    this.emptyPairs = this.pairs.length;
  }

  /**
   * Records that `userId` consumed `itemId`. Returns false (and does nothing) for users outside the panel.
   * Repeated consumption of the same item changes nothing, as for a set.
   */
  recordConsumption(userId: string, itemId: string): boolean {
    const u = this.index.get(userId);
    if (u === undefined) return false;
    const row = this.family.hashRow(itemId);
    const first = this.pairStart[u] as number;
    const last = this.pairStart[u + 1] as number;
    if (this.additions[u] === 0) {
      for (let q = first; q < last; q++) if (this.additions[this.partnerOf[q] as number] === 0) this.emptyPairs -= 1;
    }
    this.additions[u] = (this.additions[u] as number) + 1;
    const k = this.family.k;
    const signatures = this.signatures;
    const base = u * k;
    for (let j = 0; j < k; j++) {
      const h = row[j] as number;
      const old = signatures[base + j] as number;
      if (h >= old) continue;
      for (let q = first; q < last; q++) {
        const partner = signatures[(this.partnerOf[q] as number) * k + j] as number;
        const delta = (h === partner ? 1 : 0) - (old === partner ? 1 : 0);
        if (delta === 0) continue;
        const p = this.pairOf[q] as number;
        this.matches[p] = (this.matches[p] as number) + delta;
        this.totalMatches += delta;
      }
      signatures[base + j] = h;
    }
    return true;
  }

  /** Mean estimated Jaccard over pairs with any consumption, or `undefined` if there are none. O(1). */
  get value(): number | undefined {
    const defined = this.pairs.length - this.emptyPairs;
    if (defined === 0) return undefined;
    return (this.totalMatches - this.family.k * this.emptyPairs) / (this.family.k * defined);
  }

  /** Estimated J of panel pair `index`, or `undefined` if neither user has consumed anything. */
  pairJaccard(index: number): number | undefined {
    requireInteger(index, 'pair index', 0, this.pairs.length - 1, 'METRICS.OUT_OF_RANGE');
    const [a, b] = this.pairs[index] as [string, string];
    if (this.isEmpty(a) && this.isEmpty(b)) return undefined;
    return (this.matches[index] as number) / this.family.k;
  }

  /** The panel (copies). */
  panel(): Array<[string, string]> {
    return this.pairs.map(([a, b]) => [a, b]);
  }

  /** Pairs in which at least one user has consumed something. */
  get definedPairCount(): number {
    return this.pairs.length - this.emptyPairs;
  }

  private isEmpty(userId: string): boolean {
    return this.additions[this.index.get(userId) as number] === 0;
  }

  private signature(u: number): Uint32Array {
    return this.signatures.subarray(u * this.family.k, (u + 1) * this.family.k);
  }

  toJSON(): HomogenizationState {
    const users: Array<[string, number, number[]]> = [];
    this.userIds.forEach((userId, u) => {
      const additions = this.additions[u] as number;
      if (additions > 0) users.push([userId, additions, Array.from(this.signature(u))]);
    });
    return { kind: 'homogenization', version: 1, k: this.family.k, seed: this.family.seed, pairs: this.panel(), users };
  }

  /** Restores a metric; pass the live `family` to share its cached hash rows (it must have the stored k and seed). */
  static fromJSON(state: unknown, family?: MinHashFamily): Homogenization {
    const kind = 'homogenization';
    const record = readStateRecord(state, kind, 1);
    const k = readFiniteNumber(record, kind, 'k');
    const seed = readFiniteNumber(record, kind, 'seed');
    const pairs = readArray(record, kind, 'pairs') as Array<[string, string]>;
    const shared = family !== undefined && family.k === k && family.seed === seed ? family : undefined;
    const metric = new Homogenization(shared ? { pairs, family: shared } : { pairs, k, seed });
    readArray(record, kind, 'users').forEach((entry, index) => {
      if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string') {
        throw invalidState(kind, `users[${index}] must be [userId, additions, signature]`);
      }
      const u = metric.index.get(entry[0]);
      const additions = entry[1] as unknown;
      if (u === undefined || (metric.additions[u] as number) > 0) {
        throw invalidState(kind, `users[${index}] (${JSON.stringify(entry[0])}) is not in the panel or repeats`);
      }
      if (typeof additions !== 'number' || !Number.isInteger(additions) || additions < 1) {
        throw invalidState(kind, `users[${index}] must have a positive integer count of items added`);
      }
      const signature = readSignature({ signature: entry[2] }, kind, 'signature', k);
      if (signature.every((v) => v === EMPTY_SLOT)) {
        throw invalidState(kind, `users[${index}] has items added but an empty signature`);
      }
      metric.signatures.set(signature, u * k);
      metric.additions[u] = additions;
    });
    // Matches are derived state: recompute rather than trust them.
    metric.totalMatches = 0;
    metric.emptyPairs = 0;
    metric.pairs.forEach(([a, b], p) => {
      const ua = metric.index.get(a) as number;
      const ub = metric.index.get(b) as number;
      const m = matchingSlots(metric.signature(ua), metric.signature(ub));
      metric.matches[p] = m;
      metric.totalMatches += m;
      if (metric.additions[ua] === 0 && metric.additions[ub] === 0) metric.emptyPairs += 1;
    });
    return metric;
  }
}

/** The family an instance uses: the one given (checked against k and seed if those are given too), or a new one. */
function resolveFamily(options: HomogenizationOptions): MinHashFamily {
  const { family, k, seed } = options;
  if (family === undefined) return new MinHashFamily({ k: k ?? 128, seed: seed ?? 0x5eed });
  if ((k !== undefined && k !== family.k) || (seed !== undefined && seed !== family.seed)) {
    throw new MetricInputError(
      'METRICS.INVALID_OPTION',
      `family (k ${family.k}, seed ${family.seed}) contradicts k ${String(k)} / seed ${String(seed)}; pass the family alone`,
    );
  }
  return family;
}

function validatePairs(pairs: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  if (!Array.isArray(pairs)) {
    throw new MetricInputError('METRICS.INVALID_OPTION', 'pairs must be an array of [userId, userId]');
  }
  const seen = new Set<string>();
  return pairs.map((pair, index) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new MetricInputError('METRICS.INVALID_OPTION', `pairs[${index}] must be [userId, userId] (two strings)`);
    }
    const [a, b] = pair;
    if (a === b) {
      throw new MetricInputError(
        'METRICS.INVALID_OPTION',
        `pairs[${index}] pairs user ${JSON.stringify(a)} with itself; a user's overlap with themselves is always 1`,
      );
    }
    const key = JSON.stringify(a < b ? [a, b] : [b, a]);
    if (seen.has(key)) {
      throw new MetricInputError('METRICS.INVALID_OPTION', `pairs[${index}] repeats the pair ${key}; pairs must be distinct`);
    }
    seen.add(key);
    return [a, b];
  });
}
