import type { AuditResult } from '@chorus/simulation';

/**
 * The terminal summary of an audit: per policy and planted group at the last round — regret, AUC (the last round
 * measured), minority share against the true share, C_KL against the truth, polarization, the user alerts raised on
 * the group's members over the run and the reranks completed — then the detection scores.
 */
export function summaryTable(result: AuditResult, groupOf: (userId: string) => string | undefined): string {
  const f = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
  const header = ['policy', 'group', 'users', 'regret', 'AUC', 'minority share', 'C_KL', 'polarization', 'alerts', 'reranks'];
  const rows: string[][] = [];
  for (const run of result.runs) {
    const last = run.rounds.at(-1);
    if (!last) continue;
    const lastAuc = [...run.rounds].reverse().find((round) => Object.values(round.groups).some((g) => g.auc !== undefined));
    const reranks = run.reranksPerRound.reduce((a, b) => a + b, 0);
    for (const [group, g] of Object.entries(last.groups)) {
      const alerts = run.alerts.filter((alert) => alert.scope === 'user' && groupOf(alert.subject) === group).length;
      rows.push([
        run.policy,
        group,
        String(g.users),
        f(g.regret),
        f(lastAuc?.groups[group]?.auc),
        g.minorityShare === undefined ? '—' : `${f(g.minorityShare)} / ${f(g.trueMinorityShare)}`,
        f(g.calibrationKl),
        f(last.polarization),
        String(alerts),
        String(reranks),
      ]);
    }
    const other = run.alerts.filter((alert) => alert.scope !== 'user' || groupOf(alert.subject) === undefined).length;
    if (other > 0) rows.push([run.policy, '(population, segment, code)', '', '', '', '', '', '', String(other), '']);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [`${result.title} (seed ${result.seed}); last round, minority share = served / true`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (result.detection?.length) {
    out.push('', 'Narrowing detection (user alerts on consumption or exposure entropy; quiet = nothing planted on that user-round):');
    for (const d of result.detection) {
      out.push(
        `  ${d.policy.padEnd(11)} ${d.domain.padEnd(5)} onset ${d.plantedOnsetRound ?? '—'}  planted ${d.plantedUsers}  detected ${d.detectedUsers}` +
          `  recall ${f(d.recall, 2)}  mean delay ${f(d.meanDelayRounds, 1)} rounds  false alarms ${f(d.falseAlarmsPer1000UserRounds, 1)} per 1,000 quiet user-rounds`,
      );
    }
  }
  return out.join('\n');
}
