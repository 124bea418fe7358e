import type { DiagonalGaussianLogistic, DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';
import { featureVector, type SparseVector } from './sparse-vector';

/**
 * Who a cold-start user borrows from (issue #16): a bounded pool of donors per partition and the rule that picks one.
 *
 * Donors are the partition's best-known users: those with at least `minEvents` events, at most `capacity` of them,
 * the ones with the most events kept (a new user replaces the pool's least-seen donor once they have seen more; ties by
 * user id). A donor's profile is a copy of the posterior means of their deviation, refreshed every `refreshEvents` of
 * their events. Everything the pool does is driven by the partition's events in order, so a replay or another
 * instance builds the same pool (it is persisted with the partition's aggregate shard).
 *
 * Similarity is measured from the cold user's own posterior (what their events so far say about their deviation b_u,
 * N(m_u, diag v_u) — features they never touched sit at the prior N(0, τ²)): the donor chosen is the one whose profile
 * m_d is most probable under it, the smallest
 *
 *   D(d) = Σ_f (m_df − m_uf)² / v_uf
 *
 * over the features either has (−2 log density up to a constant). With no events it is the donor nearest the
 * aggregate (‖m_d‖²/τ², the prior's own preference); as the user's posterior sharpens on a feature, donors that
 * disagree there are ruled out first. Cost per choice: O(capacity × features of a profile), no allocation.
 */
export interface DonorPoolOptions {
  /** Donors kept per partition. */
  readonly capacity: number;
  /** Events a user needs to be a donor (and the number below which a user is cold: see the learner). */
  readonly minEvents: number;
  /** A donor's profile is copied again after this many more of their events. */
  readonly refreshEvents: number;
}

export const DEFAULT_DONOR_POOL: DonorPoolOptions = { capacity: 32, minEvents: 50, refreshEvents: 10 };

/** A donor as the pool keeps it: who, how many events their profile was copied at, and the posterior means. */
export interface DonorProfile {
  readonly userId: string;
  readonly eventsSeen: number;
  readonly means: Readonly<Record<string, number>>;
}

export class DonorPool {
  private donors: DonorProfile[] = [];

  constructor(readonly options: DonorPoolOptions = DEFAULT_DONOR_POOL) {
    const { capacity, minEvents, refreshEvents } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || !Number.isInteger(minEvents) || minEvents < 1 || !Number.isInteger(refreshEvents) || refreshEvents < 1) {
      throw new RangeError(`donor pool: capacity ${capacity}, minEvents ${minEvents} and refreshEvents ${refreshEvents} must be integers ≥ 1`);
    }
  }

  get size(): number {
    return this.donors.length;
  }

  /**
   * After one of the partition's users learned an event: takes them into the pool (or refreshes their profile) when
   * the rules above say so. `profile` is only called when a copy is taken. Returns whether the pool changed.
   */
  offer(userId: string, eventsSeen: number, profile: () => DiagonalGaussianLogisticJSON): boolean {
    if (eventsSeen < this.options.minEvents) return false;
    const at = this.donors.findIndex((donor) => donor.userId === userId);
    if (at >= 0) {
      if (eventsSeen - this.donors[at]!.eventsSeen < this.options.refreshEvents) return false;
      this.donors[at] = donorProfile(userId, eventsSeen, profile());
      return true;
    }
    if (this.donors.length < this.options.capacity) {
      this.donors.push(donorProfile(userId, eventsSeen, profile()));
      return true;
    }
    let least = 0;
    for (let k = 1; k < this.donors.length; k++) if (seenLess(this.donors[k]!, this.donors[least]!)) least = k;
    if (!seenLess(this.donors[least]!, { userId, eventsSeen })) return false;
    this.donors[least] = donorProfile(userId, eventsSeen, profile());
    return true;
  }

  /**
   * The donor whose profile is most probable under the user's posterior (smallest D above), never the user; ties by
   * user id. Undefined when the pool holds nobody else.
   */
  closest(user: DiagonalGaussianLogistic, userId: string): DonorProfile | undefined {
    let best: DonorProfile | undefined;
    let bestDistance = Infinity;
    for (const donor of this.donors) {
      if (donor.userId === userId) continue;
      const distance = donorDistance(user, donor.means);
      if (distance < bestDistance || (distance === bestDistance && best !== undefined && donor.userId < best.userId)) [best, bestDistance] = [donor, distance];
    }
    return best;
  }

  toJSON(): DonorProfile[] {
    return [...this.donors];
  }

  /**
   * The pool as persisted, under `options` (a smaller capacity keeps the most-seen donors).
   *
   * @throws RangeError for a stored pool that is not a list of donors with an id, an event count and finite means.
   */
  static fromJSON(json: readonly DonorProfile[] | null | undefined, options: DonorPoolOptions = DEFAULT_DONOR_POOL): DonorPool {
    const pool = new DonorPool(options);
    if (json === null || json === undefined) return pool;
    if (!Array.isArray(json)) throw new RangeError('donor pool: the stored pool must be a list of donors');
    json.forEach((donor, k) => {
      if (typeof donor?.userId !== 'string' || !Number.isInteger(donor.eventsSeen) || donor.eventsSeen < 0 || typeof donor.means !== 'object' || donor.means === null) {
        throw new RangeError(`donor pool: stored donor #${k} needs a userId, an integer eventsSeen ≥ 0 and means`);
      }
      for (const [feature, mean] of Object.entries(donor.means)) {
        if (!Number.isFinite(mean)) throw new RangeError(`donor pool: stored donor #${k} has mean ${mean} on "${feature}"; means must be finite`);
      }
    });
    // Null-prototype copies of the means: a profile is looked up with feature names.
    const donors = json.map((donor) => ({ userId: donor.userId, eventsSeen: donor.eventsSeen, means: Object.assign(Object.create(null) as Record<string, number>, donor.means) }));
    pool.donors = donors.sort((a, b) => (seenLess(a, b) ? 1 : seenLess(b, a) ? -1 : 0)).slice(0, options.capacity);
    return pool;
  }
}

/** D(d) = Σ_f (m_df − m_uf)² / v_uf over the features either holds (see {@link DonorPool}). */
export function donorDistance(user: DiagonalGaussianLogistic, means: Readonly<Record<string, number>>): number {
  // The user's own features first, as if the donor were 0 there; the donor's features then correct their terms.
  let distance = user.sumOfSquaredStandardisedMeans();
  for (const feature in means) {
    const own = user.mean(feature);
    const variance = user.variance(feature);
    const difference = means[feature]! - own;
    distance += (difference * difference - own * own) / variance;
  }
  return distance;
}

/** The borrowed logit: offset + m_d·x (the donor's profile in place of the user's deviation). */
export function profileLogit(means: Readonly<Record<string, number>>, x: SparseVector, offset = 0): number {
  const vector = featureVector(x);
  const names = vector.featureNames;
  const values = vector.featureValues;
  let z = offset;
  for (let j = 0; j < names.length; j++) z += values[j]! * (means[names[j]!] ?? 0);
  return z;
}

function donorProfile(userId: string, eventsSeen: number, posterior: DiagonalGaussianLogisticJSON): DonorProfile {
  // Null prototype: a feature literally named "__proto__" stays an own key.
  const means: Record<string, number> = Object.create(null);
  for (const feature of Object.keys(posterior)) means[feature] = posterior[feature]![0];
  return { userId, eventsSeen, means };
}

/** Fewer events, or as many and the larger id: the order in which donors give way. */
function seenLess(a: { userId: string; eventsSeen: number }, b: { userId: string; eventsSeen: number }): boolean {
  return a.eventsSeen < b.eventsSeen || (a.eventsSeen === b.eventsSeen && a.userId > b.userId);
}
