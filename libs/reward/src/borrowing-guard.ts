/**
 * The cold-start borrowing guard (issue #16): serving a user with a similar user's deviation instead of the aggregate
 * alone is applied only when the user's own events so far show that it predicts them better than the aggregate does,
 * beyond the uncertainty of that comparison.
 *
 * `npm run experiment:profile-swap` is why a guard is needed at all: on MovieLens the nearest profile is worse than the
 * user's own (0.773 against 0.793 AUC) and a distant one is worse than the aggregate alone (0.542 at the 400th, 0.682
 * for the aggregate), and PRIME reports data sets where even the nearest profile hurts. Which case a user is in is
 * measured on that user, not assumed.
 *
 * The rule is a one-sided paired test on prequential log-losses. Each of the user's events, scored before anything
 * learned it, gives the loss of the aggregate's logit and of the borrowed logit (aggregate + donor deviation); their
 * difference d = c·(ℓ_aggregate − ℓ_borrowed) is the gain of borrowing on that event. Borrow when
 *
 *   n ≥ minEvents   and   mean(d) − z · sd(d) / √n > 0,
 *
 * the lower confidence bound of the mean gain above zero (z = 1.645: one-sided 95%). A donor no better than the
 * aggregate (d ≈ 0) or worse is never borrowed; a clearly better one is, after a handful of events.
 */
export interface BorrowingGuardOptions {
  /** Off by default: borrowing is an opt-in policy. */
  readonly enabled: boolean;
  /** Events of the user's own before the gain can be judged (the standard deviation needs at least 2). */
  readonly minEvents: number;
  /** Standard normal quantile of the one-sided bound (1.645 ≈ 95%). */
  readonly z: number;
}

export const DEFAULT_BORROWING_GUARD: BorrowingGuardOptions = { enabled: false, minEvents: 5, z: 1.645 };

/** What the guard decided and why: the evidence it judged by. */
export interface BorrowingDecision {
  readonly borrow: boolean;
  readonly events: number;
  /** Mean gain in weighted log-loss per event (positive: borrowing predicted better). */
  readonly meanGain: number;
  /** mean − z·sd/√n; −Infinity before minEvents. */
  readonly lowerBound: number;
  readonly reason: 'disabled' | 'too-few-events' | 'not-better-beyond-uncertainty' | 'better-beyond-uncertainty';
}

/** What a {@link BorrowingEvidence} persists: the count, mean and sum of squared deviations of the per-event gain. */
export interface BorrowingEvidenceJSON {
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
}

/**
 * Running paired evidence of borrowing for one user: count, mean and sum of squared deviations of the gain (Welford).
 * The donor may change between events (the learner re-chooses it as the user's own posterior sharpens): the evidence
 * is then that of the borrowing *policy* — each event scored with the donor chosen before it — which is what serving
 * applies.
 */
export class BorrowingEvidence {
  private n = 0;
  private mean = 0;
  private m2 = 0;

  get events(): number {
    return this.n;
  }

  toJSON(): BorrowingEvidenceJSON {
    return { n: this.n, mean: this.mean, m2: this.m2 };
  }

  /** @throws RangeError for a stored state that is not a count ≥ 0, a finite mean and a finite m2 ≥ 0. */
  static fromJSON(json: BorrowingEvidenceJSON): BorrowingEvidence {
    const { n, mean, m2 } = json ?? ({} as BorrowingEvidenceJSON);
    if (!Number.isInteger(n) || n < 0 || !Number.isFinite(mean) || !(m2 >= 0) || !Number.isFinite(m2) || (n === 0 && (mean !== 0 || m2 !== 0))) {
      throw new RangeError(`borrowing evidence: stored {n: ${n}, mean: ${mean}, m2: ${m2}}; n must be an integer ≥ 0, mean finite, m2 finite and ≥ 0 (both 0 when n is)`);
    }
    const evidence = new BorrowingEvidence();
    evidence.n = n;
    evidence.mean = mean;
    evidence.m2 = m2;
    return evidence;
  }

  /** Adds one event, scored before either model learned it: the aggregate's logit and the borrowed one, its soft label and weight. */
  record(aggregateLogit: number, borrowedLogit: number, y: number, weight = 1): void {
    if (!Number.isFinite(aggregateLogit) || !Number.isFinite(borrowedLogit) || !(y >= 0 && y <= 1) || !(weight > 0) || !Number.isFinite(weight)) {
      throw new RangeError(
        `borrowing evidence: logits ${aggregateLogit} and ${borrowedLogit}, label ${y}, weight ${weight}; the logits and weight must be finite, the label in [0, 1], the weight > 0`,
      );
    }
    const gain = weight * (logLoss(aggregateLogit, y) - logLoss(borrowedLogit, y));
    this.n++;
    const delta = gain - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (gain - this.mean);
  }

  /** The guard's decision on the evidence so far. */
  decide(options: BorrowingGuardOptions = DEFAULT_BORROWING_GUARD): BorrowingDecision {
    if (!Number.isInteger(options.minEvents) || options.minEvents < 2 || !(options.z >= 0) || !Number.isFinite(options.z)) {
      throw new RangeError(`borrowing guard: minEvents ${options.minEvents} must be an integer ≥ 2 and z ${options.z} finite and ≥ 0`);
    }
    const base = { events: this.n, meanGain: this.mean };
    if (this.n < options.minEvents) {
      return { ...base, borrow: false, lowerBound: -Infinity, reason: options.enabled ? 'too-few-events' : 'disabled' };
    }
    const sd = Math.sqrt(this.m2 / (this.n - 1));
    const lowerBound = this.mean - (options.z * sd) / Math.sqrt(this.n);
    if (!options.enabled) return { ...base, borrow: false, lowerBound, reason: 'disabled' };
    const better = lowerBound > 0;
    return { ...base, borrow: better, lowerBound, reason: better ? 'better-beyond-uncertainty' : 'not-better-beyond-uncertainty' };
  }
}

/** −[y log σ(z) + (1 − y) log(1 − σ(z))], stably. */
function logLoss(z: number, y: number): number {
  return y * softplus(-z) + (1 - y) * softplus(z);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
