import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NARROWING_METRICS, type AuditResult } from '@chorus/simulation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseAuditOptions, type AuditOptions } from '../scripts/audit/audit-options';
import { narrowingOf, newsPopulation } from '../scripts/audit/audit-population';
import { runAudit } from '../scripts/audit/audit-runner';

// The live audit (issue #12) at small, seeded sizes, through the real services as processes (dist/, compiled by the
// e2e global setup) on the shared broker, Postgres and Redis; every policy gets a stack of its own. Each run costs a
// stack start (~1 min on the loaded CI machine) plus a few seconds per round.
const RUN_TIMEOUT = 900_000;

/** The AuditResult type as a schema: the JSON the runner writes must parse with it, nothing missing, nothing extra. */
const finite = z.number().finite();
const unit = finite.min(0).max(1);
const groupRound = z.strictObject({
  users: z.number().int().min(0),
  regret: finite.min(0),
  auc: unit.optional(),
  minorityShare: unit.optional(),
  trueMinorityShare: unit.optional(),
  calibrationKl: finite.min(0),
  exposureEntropy: unit,
  stanceReinforcement: finite.min(-1).max(1),
  stanceExtremityChange: finite.min(-1).max(1),
  consumption: finite.min(0),
  consumptionEntropy: unit.optional(),
  homogenization: unit,
});
const auditResultSchema = z.strictObject({
  kind: z.literal('audit'),
  title: z.string().min(1),
  generatedAt: z.iso.datetime(),
  seed: z.number().int(),
  population: z.strictObject({ users: z.number().int().min(1), items: z.number().int().min(1), domain: z.string(), groups: z.record(z.string(), z.number().int().min(0)) }),
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  runs: z.array(
    z.strictObject({
      policy: z.string(),
      description: z.string().min(1),
      tau2: finite.min(0),
      calibrated: z.boolean(),
      settings: z.record(z.string(), z.string()).optional(),
      rounds: z.array(z.strictObject({ round: z.number().int().min(1), groups: z.record(z.string(), groupRound), polarization: finite.min(0), exposureGini: unit, homogenization: unit })),
      events: z.number().int().min(1),
      alerts: z.array(
        z.strictObject({ round: z.number().int().min(1), scope: z.enum(['user', 'segment', 'population']), metric: z.string(), domain: z.string(), severity: z.string(), subject: z.string(), group: z.string().optional() }),
      ),
      reranksPerRound: z.array(z.number().int().min(0)),
      populationPoints: z.number().int().min(0),
      seconds: finite.min(0),
    }),
  ),
  detection: z
    .array(
      z.strictObject({
        domain: z.string(),
        policy: z.string(),
        plantedOnsetRound: z.number().int().min(1).optional(),
        plantedUsers: z.number().int().min(0),
        detectedUsers: z.number().int().min(0),
        recall: unit.optional(),
        meanDelayRounds: finite.min(0).optional(),
        falseAlarmsPer1000UserRounds: finite.min(0),
      }),
    )
    .optional(),
  alertSignal: z
    .array(
      z.strictObject({
        domain: z.string(),
        policy: z.string(),
        scope: z.enum(['user', 'segment', 'population']),
        plantedOnsetRound: z.number().int().min(1).optional(),
        trueAlerts: z.number().int().min(0),
        falseAlarms: z.number().int().min(0),
        unscored: z.number().int().min(0),
        precision: unit.optional(),
        firstDelayRounds: finite.min(0).optional(),
      }),
    )
    .optional(),
  spread: z
    .array(
      z.strictObject({
        figure: z.string(),
        values: z.array(finite.nullable()),
        seeds: z.array(z.number().int()),
        mean: finite.optional(),
        sd: finite.min(0).optional(),
        min: finite.optional(),
        max: finite.optional(),
      }),
    )
    .optional(),
});

const out = mkdtempSync(join(tmpdir(), 'chorus-audit-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function options(argv: string[]): AuditOptions {
  return parseAuditOptions([...argv, '--out', out, '--no-progress'])!;
}

/** Narrowing alerts (user scope, entropy metrics) per domain and user. */
function narrowingAlerts(result: AuditResult, domain: string): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  for (const alert of result.runs.flatMap((run) => run.alerts)) {
    if (alert.scope !== 'user' || alert.domain !== domain || !NARROWING_METRICS.includes(alert.metric)) continue;
    byUser.set(alert.subject, [...(byUser.get(alert.subject) ?? []), alert.round]);
  }
  return byUser;
}

describe('npm run audit, at a tiny size', () => {
  // `learned` (LEARNER_TAU2 unset), a policy added after issue #12, by name: the runner refuses a run whose gateway
  // served another pooling strength than the policy's, so it completing is its configuration reaching the services.
  const argv = ['--users', '20', '--items', '80', '--rounds', '3', '--onset', '2', '--policies', 'aggregate,calibrated,learned', '--seed', '5'];
  let result: AuditResult;
  beforeAll(async () => {
    result = JSON.parse(JSON.stringify(await runAudit(options(argv)))) as AuditResult;
  }, RUN_TIMEOUT);

  it('completes every policy in order, and its JSON has exactly the AuditResult shape', () => {
    const parsed = auditResultSchema.safeParse(result);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(result.runs.map((run) => [run.policy, run.calibrated, run.settings])).toEqual([
      ['aggregate', false, undefined],
      ['calibrated', true, undefined],
      ['learned', false, { LEARNER_TAU2: 'unset (learned)' }],
    ]);
    expect(result.runs.slice(0, 2).map((run) => run.tau2)).toEqual([0, 1]);
    // The learned τ² is the MAP of the learner's default grid (factor √2 from 1/16 to 64), whichever member the events chose.
    const grid = Array.from({ length: 21 }, (_, k) => 2 ** (k / 2 - 4));
    console.log(`learned τ² after 3 rounds: ${result.runs[2]!.tau2}`);
    expect(grid.some((tau2) => Math.abs(tau2 - result.runs[2]!.tau2) < 1e-9)).toBe(true);
    expect(result.population).toEqual({ users: 20, items: 80, domain: 'news', groups: { majority: 10, minority: 3, mixed: 3, broad: 4 } });
  });

  it('has plausible figures: every round, every group, AUC in the last round, a rerank of every user per calibrated round', () => {
    for (const run of result.runs) {
      expect(run.rounds.map((round) => round.round)).toEqual([1, 2, 3]);
      expect(run.reranksPerRound).toHaveLength(3);
      // Every user answers every list: ~4.5 examined items per list, 20 users + 2 code users, 3 rounds.
      expect(run.events).toBeGreaterThan(3 * 22 * 3);
      const last = run.rounds.at(-1)!;
      expect(Object.values(last.groups).reduce((sum, group) => sum + group.users, 0)).toBe(20);
      for (const group of Object.values(last.groups)) expect(group.auc).toBeGreaterThan(0.3);
      expect(last.groups.mixed!.trueMinorityShare).toBeCloseTo(0.3, 10);
      for (const alert of run.alerts) expect(alert.round).toBeLessThanOrEqual(3);
    }
    const calibrated = result.runs.find((run) => run.calibrated)!;
    expect(calibrated.reranksPerRound.every((n) => n >= 20)).toBe(true);
    expect(result.detection?.map((d) => [d.policy, d.domain])).toEqual([
      ['aggregate', 'news'],
      ['aggregate', 'code'],
      ['calibrated', 'news'],
      ['calibrated', 'code'],
      ['learned', 'news'],
      ['learned', 'code'],
    ]);
  });
});

// The population watch: drift-watch records a population point per closed time bucket, from the users it watches. The
// audit's events carry wall time, so a round is seconds of event time: with the service's hour-wide bucket no bucket
// closes in a run (no point, so no population alert can fire); the audit passes buckets about a round wide
// (--drift-bucket-seconds, default 5 s). Users are watched from their 3rd event here, so points can come from round 1.
// A bucket closes once event time passes its end plus the 1 s lateness: with the default 5 s a run must span 6–11 s
// of event time to close one, which six rounds on a quiet machine (about a second each) may not (0 points in one CI
// run, 9 and 23 in others). This run passes 1 s buckets, so any six rounds close several; the option's default of 5 s is
// pinned in scripts/audit/audit-options.spec.ts. Without the option reaching drift-watch (its own hour) no bucket closes.
describe('population points with round-wide buckets, through the live audit', () => {
  let result: AuditResult;
  beforeAll(async () => {
    result = await runAudit(options(['--users', '20', '--items', '80', '--rounds', '6', '--onset', '0', '--policies', 'pooled', '--no-code', '--drift-min-events', '3', '--drift-bucket-seconds', '1', '--seed', '3']));
  }, RUN_TIMEOUT);

  it('records population points over the run when the audit passes its bucket to drift-watch', () => {
    const [run] = result.runs;
    console.log(`population points: ${run!.populationPoints} in ${run!.seconds.toFixed(1)} s (${result.runs[0]!.rounds.length} rounds)`);
    expect(result.options.driftBucketSeconds).toBe(1);
    expect(run!.populationPoints).toBeGreaterThan(0);
  });
});

// Detection: the planted narrowing (half of the 20 broad users onto drama from round 12) is alerted in `news` and not
// in `code`; the same population with nothing planted raises narrowing alerts below the stated false-alarm rate.
const DETECTION = ['--users', '100', '--items', '300', '--rounds', '24', '--policies', 'pooled', '--seed', '1'];
const ONSET = 12;
/**
 * Stated bounds, from the runs recorded in the README (pooled at this size: recall 0.2–0.7, mean delay 6.5–8.8
 * rounds; false alarms 1.8–4.4 per 1,000 quiet user-rounds planted, 2.9 stationary). Served lists depend on when the
 * gateway's 2-second model cache was filled, so runs of one seed differ, and 10 planted users make recall coarse: the
 * claim held is that drift-watch catches a planted narrowing in news before the run ends (12 rounds), not how often.
 */
const MIN_RECALL = 0.1;
const MAX_MEAN_DELAY_ROUNDS = 12;
const MAX_FALSE_ALARMS_PER_1000 = 10;

describe('drift-watch against planted narrowing, through the live audit', () => {
  let planted: AuditResult;
  let stationary: AuditResult;
  beforeAll(async () => {
    planted = await runAudit(options([...DETECTION, '--onset', String(ONSET)]));
    stationary = await runAudit(options([...DETECTION, '--onset', '0']));
  }, 2 * RUN_TIMEOUT);

  /** Planted-run users (the schedule's) with a narrowing alert in news at or after the onset, in a run. */
  const hits = (result: AuditResult) => {
    const plantedOptions = options([...DETECTION, '--onset', String(ONSET)]);
    const wouldBePlanted = narrowingOf(newsPopulation(plantedOptions), plantedOptions)!.userIds;
    return wouldBePlanted.filter((userId) => (narrowingAlerts(result, 'news').get(userId) ?? []).some((round) => round >= ONSET)).length;
  };

  it(`raises a narrowing alert in news for more of the planted users than chance, within ${MAX_MEAN_DELAY_ROUNDS} rounds on average`, () => {
    const news = planted.detection!.find((d) => d.domain === 'news')!;
    expect(news.plantedOnsetRound).toBe(ONSET);
    expect(news.plantedUsers).toBe(10);
    expect(news.recall).toBeGreaterThanOrEqual(MIN_RECALL);
    // Chance: the same users alerted after the onset round when nothing was planted (the switch: same seed, same users).
    expect(news.recall).toBeGreaterThan(hits(stationary) / news.plantedUsers);
    expect(news.meanDelayRounds).toBeLessThanOrEqual(MAX_MEAN_DELAY_ROUNDS);
  });

  it('raises none in code, where the same narrowing is planted (the domain decides)', () => {
    const code = planted.detection!.find((d) => d.domain === 'code')!;
    expect(code.plantedUsers).toBe(10);
    expect(planted.runs[0]!.alerts.filter((alert) => alert.domain === 'code')).toEqual([]);
  });

  it(`on the stationary population, narrowing alerts stay below ${MAX_FALSE_ALARMS_PER_1000} per 1,000 user-rounds, and fewer fall on the users planted above than when they narrowed`, () => {
    const news = stationary.detection!.find((d) => d.domain === 'news')!;
    expect(news.plantedUsers).toBe(0);
    expect(news.falseAlarmsPer1000UserRounds).toBeLessThan(MAX_FALSE_ALARMS_PER_1000);
    expect(hits(stationary)).toBeLessThan(hits(planted));
  });
});
