import { join } from 'node:path';
import { figureSpread } from '@chorus/report';
import type { AlertSignal, AuditResult, DetectionScore, PolicyRunResult, Population } from '@chorus/simulation';
import type { AuditOptions } from './audit-options';
import { AUDIT_POLICIES } from './audit-policies';
import { NARROWING_CATEGORY } from './audit-population';
import { prepareLiveStack, runPolicyLive, type PolicyProgress, type PreparedStack } from './live-policy-run';

/**
 * The aggregation audit: the planted population through the live services once per policy, in the order given, each
 * policy in a stack of its own; the next policy's stack starts while the current one runs its rounds. Returns the
 * AuditResult the report renders. With `repeats` > 1 the whole audit runs again with seeds seed + 1, … (services'
 * logs under logs/seed-<n>/) and the result is the first run's with the spread of the headline figures over all runs.
 */
export async function runAudit(options: AuditOptions, progress?: PolicyProgress): Promise<AuditResult> {
  if (options.repeats === 1) return runAuditOnce(options, progress);
  const seeds = Array.from({ length: options.repeats }, (_, k) => options.seed + k);
  const results: AuditResult[] = [];
  for (const seed of seeds) {
    const tag = (policy: string) => `${policy} (seed ${seed})`;
    results.push(
      await runAuditOnce({ ...options, seed, logDir: join(options.logDir ?? join(options.out, 'logs'), `seed-${seed}`) }, progress && ((event) => progress({ ...event, policy: tag(event.policy) }))),
    );
  }
  return { ...results[0]!, options: { ...results[0]!.options, repeats: options.repeats }, spread: figureSpread(results, seeds) };
}

async function runAuditOnce(options: AuditOptions, progress?: PolicyProgress): Promise<AuditResult> {
  const runs: PolicyRunResult[] = [];
  const detection: DetectionScore[] = [];
  const alertSignal: AlertSignal[] = [];
  let population: Population | undefined;
  const prepare = (k: number): Promise<PreparedStack> | undefined => {
    if (k >= options.policies.length) return undefined;
    const prepared = prepareLiveStack(AUDIT_POLICIES[options.policies[k]!]!, options, progress);
    prepared.catch(() => undefined); // awaited in its turn; this only keeps it from counting as unhandled meanwhile
    return prepared;
  };
  let next = prepare(0);
  for (let k = 0; k < options.policies.length; k++) {
    const current = next!;
    next = prepare(k + 1);
    try {
      const live = await runPolicyLive(await current, options, progress);
      runs.push(live.result);
      detection.push(...live.detection);
      alertSignal.push(...live.alertSignal);
      population = live.population;
    } catch (error) {
      await next?.then((stack) => stack.close(), () => undefined);
      throw error;
    }
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
      narrowingCategory: NARROWING_CATEGORY,
      codeDomain: options.code,
      aucEvery: options.aucEvery,
      susceptibility: options.susceptibility,
      partitions: options.partitions,
      driftHalfLifeEvents: options.driftHalfLife,
      driftMinEvents: options.driftMinEvents,
      driftBucketSeconds: options.driftBucketSeconds,
      driftCooldownSeconds: options.driftCooldownSeconds,
    },
    runs,
    detection,
    alertSignal,
  };
}
