import type { AuditResult, GroupRoundMeasures, PolicyRunResult, RoundMeasures } from '@chorus/simulation';

/** One policy's figures at one round, over the whole population (group means weighted by the groups' users). */
export interface PolicyAtRound {
  readonly policy: string;
  readonly round: number;
  readonly regret: number;
  readonly auc: number | undefined;
  /** Weighted over the groups that have users with a minority interest. */
  readonly minorityShare: number | undefined;
  readonly trueMinorityShare: number | undefined;
  readonly polarization: number;
  readonly exposureGini: number;
}

/** The last round a run measured. */
export function lastRound(run: PolicyRunResult): RoundMeasures {
  return run.rounds[run.rounds.length - 1]!;
}

/** A run's figures at its last round, over the whole population. */
export function policyAtLastRound(run: PolicyRunResult): PolicyAtRound {
  const round = lastRound(run);
  const groups = Object.values(round.groups);
  return {
    policy: run.policy,
    round: round.round,
    regret: weightedMean(groups, (g) => g.regret)!,
    auc: weightedMean(groups, (g) => g.auc),
    minorityShare: weightedMean(groups, (g) => (g.trueMinorityShare === undefined ? undefined : g.minorityShare)),
    trueMinorityShare: weightedMean(groups, (g) => (g.minorityShare === undefined ? undefined : g.trueMinorityShare)),
    polarization: round.polarization,
    exposureGini: round.exposureGini,
  };
}

/** The names of the planted groups, in the order the population lists them. */
export function groupNames(result: AuditResult): string[] {
  return Object.keys(result.population.groups);
}

/** Mean of a measure over groups weighted by their users, skipping groups where it is undefined (undefined if all are). */
function weightedMean(groups: readonly GroupRoundMeasures[], value: (group: GroupRoundMeasures) => number | undefined): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const group of groups) {
    const v = value(group);
    if (v === undefined || group.users === 0) continue;
    sum += v * group.users;
    weight += group.users;
  }
  return weight === 0 ? undefined : sum / weight;
}
