import { describe, expect, it } from 'vitest';
import { parseAuditResult } from './audit-result.schema';
import { offlineAuditResult } from './offline-audit';

const SLOW = 120_000;
const small = { population: { seed: 5, userCount: 30, itemCount: 40 }, rounds: 4, candidateCount: 20 } as const;

describe('offlineAuditResult', () => {
  it('is an AuditResult the report accepts once written as JSON, seeded (only the measured seconds differ)', () => {
    const first = offlineAuditResult(small);
    const again = offlineAuditResult(small);
    const withoutSeconds = (result: typeof first) => ({ ...result, runs: result.runs.map((run) => ({ ...run, seconds: 0 })) });
    expect(withoutSeconds(again)).toEqual(withoutSeconds(first));
    expect(parseAuditResult(JSON.parse(JSON.stringify(first)))).toBeDefined();
    expect(first.runs.map((run) => [run.policy, run.tau2, run.calibrated])).toEqual([
      ['aggregate-only', 0, false],
      ['pooled', 1, false],
      ['near-pure-personal', 100, false],
      ['pooled-calibrated', 1, true],
    ]);
    // The default population's shares 0.6 / 0.2 / 0.2 of 30 users.
    expect(first.population).toEqual({ users: 30, items: 40, domain: 'news', groups: { majority: 18, minority: 6, mixed: 6 } });
  }, SLOW);

  it('counts reranks only for the calibrated policy, never more than one per user and round, none in the warm-up round', () => {
    const result = offlineAuditResult(small);
    for (const run of result.runs) {
      expect(run.reranksPerRound).toHaveLength(4);
      expect(run.reranksPerRound[0]).toBe(0);
      if (!run.calibrated) expect(run.reranksPerRound.every((n) => n === 0)).toBe(true);
      else expect(run.reranksPerRound.slice(1).every((n) => n > 0 && n <= 30)).toBe(true);
      for (const alert of run.alerts) expect(alert.round).toBeGreaterThanOrEqual(0);
    }
    expect(() => offlineAuditResult({ ...small, policies: ['nope'] })).toThrow(/unknown policy "nope"; the standard policies are aggregate-only, pooled/);
  }, SLOW);
});
