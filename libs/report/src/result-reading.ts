import type { AuditResult, PolicyRunResult } from '@chorus/simulation';
import { groupNames, lastRound, policyAtLastRound } from './policy-summary';

/**
 * The "reading of the result": a few sentences written from the numbers (who gained, who lost, by how much), one per
 * question the audit asks, each present only when the result holds the policies it compares:
 * - aggregation erases: minority against majority regret under aggregate-only serving, and how much pooling closes;
 * - crowding out: the minority-interest share of the lists against the true share, without and with calibration;
 * - aggregation moderates: the change in polarization of true stances under near-pure personal and pooled serving;
 * - homogenization: how alike random pairs of users consumed under aggregate-only and pooled serving, and the minority
 *   group's overlap with its true-taste neighbours;
 * - per group, the policy with the lowest and the highest regret;
 * - how drift-watch's alerts scored against what was planted (recall, delay, false alarms), and its alerts per scope
 *   as true alerts against false alarms;
 * - alerts raised and reranks completed.
 * Policies are found by what they are (τ², calibrated, no other settings), not by name, so a renamed policy reads the
 * same, and one that changes another setting is not mistaken for the policy of its τ².
 */
export function readingOfResult(result: AuditResult): string[] {
  const roles = policyRoles(result.runs);
  const { majority, minority } = majorityAndMinority(result);
  const sentences: string[] = [];
  if (roles.aggregate && roles.pooled && majority && minority) sentences.push(...erasure(roles.aggregate, roles.pooled, majority, minority));
  const uncalibrated = roles.calibrated && (plainRuns(result.runs).find((run) => !run.calibrated && run.tau2 === roles.calibrated!.tau2) ?? roles.pooled);
  if (roles.calibrated && uncalibrated) sentences.push(...crowdingOut(uncalibrated, roles.calibrated));
  if (roles.personal && roles.pooled) sentences.push(polarization(roles.personal, roles.pooled));
  if (roles.aggregate && roles.pooled && minority) sentences.push(homogenization(roles.aggregate, roles.pooled, minority));
  sentences.push(...gainersAndLosers(result));
  sentences.push(...detection(result));
  sentences.push(...alertSignal(result));
  sentences.push(alertsAndReranks(result));
  return sentences;
}

interface PolicyRoles {
  /** Accuracy serving with τ² = 0. */
  aggregate?: PolicyRunResult;
  /** Accuracy serving with the smallest τ² > 0. */
  pooled?: PolicyRunResult;
  /** Accuracy serving with the largest τ², when larger than pooled's. */
  personal?: PolicyRunResult;
  /** The first calibrated policy. */
  calibrated?: PolicyRunResult;
}

/**
 * Runs that differ in τ² and serving alone. Those that changed another setting (personas, learned τ², weighting,
 * borrowing) answer other questions: taken as `pooled`, a single-deviation run would be read as what pooling does.
 */
function plainRuns(runs: readonly PolicyRunResult[]): PolicyRunResult[] {
  return runs.filter((run) => run.settings === undefined || Object.keys(run.settings).length === 0);
}

function policyRoles(allRuns: readonly PolicyRunResult[]): PolicyRoles {
  const runs = plainRuns(allRuns);
  const accuracy = runs.filter((run) => !run.calibrated);
  const pooling = accuracy.filter((run) => run.tau2 > 0).sort((a, b) => a.tau2 - b.tau2);
  const pooled = pooling[0];
  const personal = pooling[pooling.length - 1];
  return {
    aggregate: accuracy.find((run) => run.tau2 === 0),
    pooled,
    personal: personal && pooled && personal.tau2 > pooled.tau2 ? personal : undefined,
    calibrated: runs.find((run) => run.calibrated),
  };
}

/** The groups named majority and minority, else the largest and the smallest group. */
function majorityAndMinority(result: AuditResult): { majority?: string; minority?: string } {
  const sizes = result.population.groups;
  const names = groupNames(result);
  if (names.length < 2) return {};
  const bySize = [...names].sort((a, b) => sizes[b]! - sizes[a]!);
  const majority = names.includes('majority') ? 'majority' : bySize[0]!;
  const minority = names.includes('minority') ? 'minority' : bySize.filter((name) => name !== majority).pop()!;
  return { majority, minority };
}

function erasure(aggregate: PolicyRunResult, pooled: PolicyRunResult, majority: string, minority: string): string[] {
  const regret = (run: PolicyRunResult, group: string) => lastRound(run).groups[group]?.regret;
  const [aMaj, aMin, pMaj, pMin] = [regret(aggregate, majority), regret(aggregate, minority), regret(pooled, majority), regret(pooled, minority)];
  if (aMaj === undefined || aMin === undefined || pMaj === undefined || pMin === undefined) return [];
  const round = lastRound(aggregate).round;
  const gap = aMin - aMaj;
  if (!(gap > 0)) {
    return [`Under ${aggregate.policy} (τ² = 0) the ${minority} group’s regret at round ${round} was ${fixed(aMin)}, not above the ${majority} group’s ${fixed(aMaj)}: aggregation erased nothing measurable here.`];
  }
  const ratio = aMaj > 0 ? ` (${(aMin / aMaj).toFixed(1)}×)` : '';
  const closed = 1 - (pMin - pMaj) / gap;
  const closing = closed > 1 ? `closing the whole gap and more (${percent(closed)}: the ${minority} group now has the lower regret)` : `closing ${percent(closed)} of the gap`;
  return [
    `Under ${aggregate.policy} (τ² = 0) the ${minority} group’s regret at round ${round} was ${fixed(aMin)} against the ${majority} group’s ${fixed(aMaj)}${ratio}; ` +
      `${pooled.policy} (τ² = ${pooled.tau2}) brought them to ${fixed(pMin)} and ${fixed(pMaj)}, ${closing}.`,
  ];
}

function crowdingOut(accuracy: PolicyRunResult, calibrated: PolicyRunResult): string[] {
  const before = policyAtLastRound(accuracy);
  const after = policyAtLastRound(calibrated);
  if (before.minorityShare === undefined || before.trueMinorityShare === undefined || after.minorityShare === undefined || after.trueMinorityShare === undefined) return [];
  return [
    `Without calibration (${accuracy.policy}) users’ minority interests got ${percent(before.minorityShare)} of their lists against a true share of ${percent(before.trueMinorityShare)}; ` +
      `with calibration (${calibrated.policy}) ${percent(after.minorityShare)} against ${percent(after.trueMinorityShare)}, ` +
      `at a regret of ${fixed(after.regret)} instead of ${fixed(before.regret)} (${signed(after.regret - before.regret)}).`,
  ];
}

function polarization(personal: PolicyRunResult, pooled: PolicyRunResult): string {
  const change = (run: PolicyRunResult) => ({ from: run.rounds[0]!.polarization, to: lastRound(run).polarization });
  const p = change(personal);
  const q = change(pooled);
  const verdict =
    p.to - p.from > q.to - q.from
      ? 'personal serving polarized more than pooled serving (aggregation moderates)'
      : 'personal serving did not polarize more than pooled serving';
  return (
    `Polarization of true stances went from ${fixed(p.from)} to ${fixed(p.to)} (${signed(p.to - p.from)}) under ${personal.policy} (τ² = ${personal.tau2}) ` +
    `and from ${fixed(q.from)} to ${fixed(q.to)} (${signed(q.to - q.from)}) under ${pooled.policy}: ${verdict}.`
  );
}

function homogenization(aggregate: PolicyRunResult, pooled: PolicyRunResult, minority: string): string {
  const a = lastRound(aggregate);
  const p = lastRound(pooled);
  const verdict = a.homogenization > p.homogenization ? ': serving everyone the aggregate homogenized consumption' : '';
  const neighbours = (round: typeof a) => round.groups[minority]?.homogenization;
  const [an, pn] = [neighbours(a), neighbours(p)];
  const minorityPart =
    an === undefined || pn === undefined ? '' : `; the ${minority} group’s overlap with its true-taste neighbours was ${fixed(an)} and ${fixed(pn)}`;
  return (
    `By round ${a.round} random pairs of users had consumed alike to a Jaccard index of ${fixed(a.homogenization)} under ${aggregate.policy} ` +
    `and ${fixed(p.homogenization)} under ${pooled.policy}${verdict}${minorityPart}.`
  );
}

function gainersAndLosers(result: AuditResult): string[] {
  if (result.runs.length < 2) return [];
  const parts: string[] = [];
  for (const group of groupNames(result)) {
    const scored = result.runs
      .map((run) => ({ policy: run.policy, regret: lastRound(run).groups[group]?.regret }))
      .filter((entry): entry is { policy: string; regret: number } => entry.regret !== undefined)
      .sort((a, b) => a.regret - b.regret);
    if (scored.length < 2) continue;
    const best = scored[0]!;
    const worst = scored[scored.length - 1]!;
    parts.push(`${group} users did best under ${best.policy} (${fixed(best.regret)}) and worst under ${worst.policy} (${fixed(worst.regret)})`);
  }
  return parts.length ? [`By regret at the last round, ${parts.join('; ')}.`] : [];
}

function detection(result: AuditResult): string[] {
  const scores = result.detection ?? [];
  if (scores.length === 0) return [];
  const found = scores
    .filter((score) => score.recall !== undefined)
    .map(
      (score) =>
        `in ${score.domain} under ${score.policy} drift-watch alerted on ${score.detectedUsers} of ${score.plantedUsers} users planted to narrow ` +
        `(recall ${percent(score.recall!)}${score.meanDelayRounds === undefined ? '' : `, mean delay ${score.meanDelayRounds.toFixed(1)} rounds`})`,
    );
  const byRate = [...scores].sort((a, b) => a.falseAlarmsPer1000UserRounds - b.falseAlarmsPer1000UserRounds);
  const low = byRate[0]!;
  const high = byRate[byRate.length - 1]!;
  const rate = (score: typeof low) => score.falseAlarmsPer1000UserRounds.toFixed(2);
  const alarms =
    rate(low) === rate(high)
      ? `false alarms were ${rate(low)} per 1,000 user-rounds with nothing planted`
      : `false alarms per 1,000 user-rounds with nothing planted ranged from ${rate(low)} (${low.domain}, ${low.policy}) to ${rate(high)} (${high.domain}, ${high.policy})`;
  return [`Detection: ${[...found, alarms].join('; ')}.`];
}

/** Alerts of the measured domain judged against what was planted, summed over policies, per scope that alerted. */
function alertSignal(result: AuditResult): string[] {
  const domain = result.population.domain;
  const parts: string[] = [];
  for (const scope of ['user', 'population'] as const) {
    const signals = (result.alertSignal ?? []).filter((s) => s.domain === domain && s.scope === scope);
    const trueAlerts = signals.reduce((sum, s) => sum + s.trueAlerts, 0);
    const falseAlarms = signals.reduce((sum, s) => sum + s.falseAlarms, 0);
    if (trueAlerts + falseAlarms === 0) continue;
    const caught = signals.filter((s) => s.firstDelayRounds !== undefined).map((s) => `${s.policy} after ${s.firstDelayRounds}`);
    parts.push(
      `${scope} alerts on narrowing were ${trueAlerts} true and ${falseAlarms} false (precision ${percent(trueAlerts / (trueAlerts + falseAlarms))}` +
        `${caught.length ? `; first true alert, in rounds after the onset: ${caught.join(', ')}` : ''})`,
    );
  }
  return parts.length ? [`Against what was planted in ${domain}, over all policies: ${parts.join('; ')}.`] : [];
}

function alertsAndReranks(result: AuditResult): string {
  const byScope = new Map<string, number>();
  for (const run of result.runs) for (const alert of run.alerts) byScope.set(alert.scope, (byScope.get(alert.scope) ?? 0) + 1);
  const alerts = [...byScope.values()].reduce((a, b) => a + b, 0);
  const reranks = result.runs.reduce((sum, run) => sum + run.reranksPerRound.reduce((a, b) => a + b, 0), 0);
  const scopes = alerts ? ` (${[...byScope].map(([scope, n]) => `${n} ${scope}`).join(', ')})` : '';
  return `Over all policies drift-watch raised ${alerts} alert${alerts === 1 ? '' : 's'}${scopes} and the reranker completed ${reranks} calibrated list${reranks === 1 ? '' : 's'}.`;
}

function fixed(value: number): string {
  return value.toFixed(3);
}

function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/** A difference with its sign, the minus as a true minus sign. */
function signed(value: number): string {
  return `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(3)}`;
}
