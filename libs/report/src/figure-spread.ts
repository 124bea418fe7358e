import type { AuditResult, FigureSpread, PolicyRunResult } from '@chorus/simulation';
import { lastRound } from './policy-summary';

/** One headline figure of one run. */
export interface HeadlineFigure {
  readonly figure: string;
  readonly value: number | undefined;
}

/**
 * The figures a reader takes away from an audit, per policy: the minority's regret against the majority's and the
 * minority's AUC at the last round (aggregation erases), the minority-interest share of the lists against the true
 * share (crowding out), homogenization over random pairs, and in the measured domain the recall and false alarms of
 * narrowing detection and the population alerts' first true delay. Undefined where a run does not have the figure.
 */
export function headlineFigures(result: AuditResult): HeadlineFigure[] {
  const figures: HeadlineFigure[] = [];
  for (const run of result.runs) {
    const last = lastRound(run);
    const minority = last.groups.minority;
    const majority = last.groups.majority;
    const add = (name: string, value: number | undefined) => figures.push({ figure: `${run.policy}: ${name}`, value });
    add('regret, minority − majority', minority && majority ? minority.regret - majority.regret : undefined);
    add('AUC, minority', lastAuc(run, 'minority'));
    add('minority share served − true', minorityShareGap(run));
    add('homogenization (random pairs)', last.homogenization);
    const detection = result.detection?.find((d) => d.policy === run.policy && d.domain === result.population.domain);
    add('narrowing recall', detection?.recall);
    add('false alarms per 1,000 user-rounds', detection?.falseAlarmsPer1000UserRounds);
    const population = result.alertSignal?.find((a) => a.policy === run.policy && a.domain === result.population.domain && a.scope === 'population');
    add('population alerts, true', population?.trueAlerts);
    add('population alerts, false', population?.falseAlarms);
  }
  return figures;
}

/**
 * The spread of each headline figure over runs of the same audit with different seeds (in the order given): mean,
 * sample standard deviation (n − 1), min and max over the runs that have it. Figures are matched by name; a figure
 * missing from a run reads null there.
 *
 * @throws Error when the seeds and results differ in number.
 */
export function figureSpread(results: readonly AuditResult[], seeds: readonly number[]): FigureSpread[] {
  if (results.length !== seeds.length) throw new Error(`figureSpread: ${results.length} results for ${seeds.length} seeds; give one seed per result`);
  const byRun = results.map((result) => new Map(headlineFigures(result).map((f) => [f.figure, f.value])));
  const names = [...new Set(results.flatMap((result) => headlineFigures(result).map((f) => f.figure)))];
  return names.map((figure) => {
    const values = byRun.map((run) => run.get(figure) ?? null);
    const present = values.filter((v): v is number => v !== null);
    const mean = present.length ? present.reduce((a, b) => a + b, 0) / present.length : undefined;
    const sd = present.length >= 2 ? Math.sqrt(present.reduce((sum, v) => sum + (v - mean!) ** 2, 0) / (present.length - 1)) : undefined;
    return {
      figure,
      values,
      seeds: [...seeds],
      mean,
      sd,
      min: present.length ? Math.min(...present) : undefined,
      max: present.length ? Math.max(...present) : undefined,
    };
  });
}

function lastAuc(run: PolicyRunResult, group: string): number | undefined {
  for (let i = run.rounds.length - 1; i >= 0; i--) {
    const auc = run.rounds[i]!.groups[group]?.auc;
    if (auc !== undefined) return auc;
  }
  return undefined;
}

/** Served minus true minority-interest share at the last round, weighted by the users of the groups that have one. */
function minorityShareGap(run: PolicyRunResult): number | undefined {
  let sum = 0;
  let users = 0;
  for (const group of Object.values(lastRound(run).groups)) {
    if (group.minorityShare === undefined || group.trueMinorityShare === undefined || group.users === 0) continue;
    sum += (group.minorityShare - group.trueMinorityShare) * group.users;
    users += group.users;
  }
  return users === 0 ? undefined : sum / users;
}
