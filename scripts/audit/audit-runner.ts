import type { AuditResult, DetectionScore, PolicyRunResult, Population } from '@chorus/simulation';
import type { AuditOptions } from './audit-options';
import { AUDIT_POLICIES } from './audit-policies';
import { runPolicyLive, type PolicyProgress } from './live-policy-run';

/**
 * The aggregation audit: the planted population through the live services once per policy, in the order given, each
 * policy in a stack of its own. Returns the AuditResult the report renders.
 */
export async function runAudit(options: AuditOptions, progress?: PolicyProgress): Promise<AuditResult> {
  const runs: PolicyRunResult[] = [];
  const detection: DetectionScore[] = [];
  let population: Population | undefined;
  for (const name of options.policies) {
    const live = await runPolicyLive(AUDIT_POLICIES[name]!, options, progress);
    runs.push(live.result);
    detection.push(...live.detection);
    population = live.population;
  }
  const groups: Record<string, number> = {};
  for (const group of population!.groups) groups[group.name] = population!.users.filter((user) => user.group === group.name).length;
  return {
    kind: 'audit',
    title: `Aggregation audit: ${options.users} planted users, ${options.rounds} rounds, ${options.policies.length} policies through the live services`,
    generatedAt: new Date().toISOString(),
    seed: options.seed,
    population: { users: options.users, items: options.items, domain: population!.domain, groups },
    options: {
      users: options.users,
      items: options.items,
      rounds: options.rounds,
      seed: options.seed,
      policies: options.policies.join(','),
      listLength: options.listLength,
      narrowingOnsetRound: options.onset,
      narrowingShare: options.narrowingShare,
      narrowingCategory: 'comedy',
      codeDomain: options.code,
      aucEvery: options.aucEvery,
      susceptibility: options.susceptibility,
      partitions: options.partitions,
      driftHalfLifeEvents: options.driftHalfLife,
      driftMinEvents: options.driftMinEvents,
    },
    runs,
    detection,
  };
}
