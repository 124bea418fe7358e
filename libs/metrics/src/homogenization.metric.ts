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

interface TrackedUser {
  readonly signature: Uint32Array;
  /** Indices into `pairs` of the pairs this user belongs to. */
  readonly pairIndices: number[];
  additions: number;
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
 * Signatures only grow, so use one instance per time bucket for windowed homogenization.
 */
export class Homogenization {
  readonly family: MinHashFamily;
  private readonly pairs: Array<[string, string]>;
  private readonly users = new Map<string, TrackedUser>();
  private readonly matches: Int32Array;
  private readonly scratch: Uint32Array;
  private totalMatches = 0;
  /** Pairs where neither user has consumed anything: their sentinel slots all "match" and must be discounted. */
  private emptyPairs: number;

  constructor(options: HomogenizationOptions) {
    this.family = new MinHashFamily({ k: options.k ?? 128, seed: options.seed ?? 0x5eed });
    this.scratch = new Uint32Array(this.family.k);
    this.pairs = validatePairs(options.pairs);
    this.matches = new Int32Array(this.pairs.length).fill(this.family.k);
    this.totalMatches = this.family.k * this.pairs.length;
    this.emptyPairs = this.pairs.length;
    this.pairs.forEach(([a, b], index) => {
      this.trackedUser(a).pairIndices.push(index);
      this.trackedUser(b).pairIndices.push(index);
    });
  }

  /**
   * Records that `userId` consumed `itemId`. Returns false (and does nothing) for users outside the panel.
   * Repeated consumption of the same item changes nothing, as for a set.
   */
  recordConsumption(userId: string, itemId: string): boolean {
    const user = this.users.get(userId);
    if (user === undefined) return false;
    this.family.hashInto(itemId, this.scratch);
    if (user.additions === 0) {
      for (const p of user.pairIndices) if (this.isEmpty(this.partnerOf(p, userId))) this.emptyPairs -= 1;
    }
    user.additions += 1;
    const k = this.family.k;
    for (let j = 0; j < k; j++) {
      const h = this.scratch[j] as number;
      const old = user.signature[j] as number;
      if (h >= old) continue;
      for (const p of user.pairIndices) {
        const partner = (this.users.get(this.partnerOf(p, userId)) as TrackedUser).signature[j] as number;
        const delta = (h === partner ? 1 : 0) - (old === partner ? 1 : 0);
        this.matches[p] = (this.matches[p] as number) + delta;
        this.totalMatches += delta;
      }
      user.signature[j] = h;
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

  private trackedUser(userId: string): TrackedUser {
    let user = this.users.get(userId);
    if (user === undefined) {
      user = { signature: this.family.emptySignature(), pairIndices: [], additions: 0 };
      this.users.set(userId, user);
    }
    return user;
  }

  private partnerOf(pairIndex: number, userId: string): string {
    const [a, b] = this.pairs[pairIndex] as [string, string];
    return a === userId ? b : a;
  }

  private isEmpty(userId: string): boolean {
    return (this.users.get(userId) as TrackedUser).additions === 0;
  }

  toJSON(): HomogenizationState {
    const users: Array<[string, number, number[]]> = [];
    for (const [userId, user] of this.users) {
      if (user.additions > 0) users.push([userId, user.additions, Array.from(user.signature)]);
    }
    return { kind: 'homogenization', version: 1, k: this.family.k, seed: this.family.seed, pairs: this.panel(), users };
  }

  static fromJSON(state: unknown): Homogenization {
    const kind = 'homogenization';
    const record = readStateRecord(state, kind, 1);
    const k = readFiniteNumber(record, kind, 'k');
    const pairs = readArray(record, kind, 'pairs') as Array<[string, string]>;
    const metric = new Homogenization({ pairs, k, seed: readFiniteNumber(record, kind, 'seed') });
    readArray(record, kind, 'users').forEach((entry, index) => {
      if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string') {
        throw invalidState(kind, `users[${index}] must be [userId, additions, signature]`);
      }
      const user = metric.users.get(entry[0]);
      const additions = entry[1] as unknown;
      if (user === undefined || user.additions > 0) {
        throw invalidState(kind, `users[${index}] (${JSON.stringify(entry[0])}) is not in the panel or repeats`);
      }
      if (typeof additions !== 'number' || !Number.isInteger(additions) || additions < 1) {
        throw invalidState(kind, `users[${index}] must have a positive integer count of items added`);
      }
      const signature = readSignature({ signature: entry[2] }, kind, 'signature', k);
      if (signature.every((v) => v === EMPTY_SLOT)) {
        throw invalidState(kind, `users[${index}] has items added but an empty signature`);
      }
      user.signature.set(signature);
      user.additions = additions;
    });
    // Matches are derived state: recompute rather than trust them.
    metric.totalMatches = 0;
    metric.emptyPairs = 0;
    metric.pairs.forEach(([a, b], p) => {
      const ua = metric.users.get(a) as TrackedUser;
      const ub = metric.users.get(b) as TrackedUser;
      const m = matchingSlots(ua.signature, ub.signature);
      metric.matches[p] = m;
      metric.totalMatches += m;
      if (ua.additions === 0 && ub.additions === 0) metric.emptyPairs += 1;
    });
    return metric;
  }
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
