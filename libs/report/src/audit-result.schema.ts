import type { AuditResult } from '@chorus/simulation';
import { z } from 'zod';
import { ReportInputError } from './report-input.error';

/**
 * The zod schema of an AuditResult (libs/simulation/src/audit-result.ts) as it arrives in JSON: numbers must be finite,
 * an undefined field is absent (or null, which JSON.stringify writes for NaN and which a runner in another language
 * may write for "none"). Unknown fields are dropped, so a runner that adds a measure does not break the report.
 */
const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const count = z.number().int().nonnegative();
const optionalFinite = finite.nullish().transform((value) => value ?? undefined);

const groupRoundMeasures = z.object({
  users: count,
  regret: finite,
  auc: optionalFinite,
  minorityShare: optionalFinite,
  trueMinorityShare: optionalFinite,
  calibrationKl: finite,
  exposureEntropy: finite,
  stanceReinforcement: finite,
  stanceExtremityChange: finite,
  consumption: finite,
  consumptionEntropy: optionalFinite,
  homogenization: finite,
});

const roundMeasures = z.object({
  round: z.number().int(),
  groups: z.record(z.string(), groupRoundMeasures),
  polarization: finite,
  exposureGini: finite,
  homogenization: finite,
});

const auditAlert = z.object({
  round: z.number().int(),
  scope: z.enum(['user', 'segment', 'population']),
  metric: z.string(),
  domain: z.string(),
  severity: z.string(),
  subject: z.string(),
  group: z.string().nullish().transform((value) => value ?? undefined),
});

const policyRunResult = z.object({
  policy: z.string().min(1),
  description: z.string(),
  tau2: finite.refine((v) => v >= 0, { message: 'τ² must be ≥ 0' }),
  calibrated: z.boolean(),
  settings: z.record(z.string(), z.string()).optional(),
  rounds: z.array(roundMeasures).min(1, { message: 'a run needs at least one round' }),
  events: count,
  alerts: z.array(auditAlert),
  reranksPerRound: z.array(count),
  populationPoints: count.optional(),
  seconds: finite,
});

const detectionScore = z.object({
  domain: z.string(),
  policy: z.string(),
  plantedOnsetRound: z.number().int().nullish().transform((value) => value ?? undefined),
  plantedUsers: count,
  detectedUsers: count,
  recall: optionalFinite,
  meanDelayRounds: optionalFinite,
  falseAlarmsPer1000UserRounds: finite,
});

const alertSignal = z.object({
  domain: z.string(),
  policy: z.string(),
  scope: z.enum(['user', 'segment', 'population']),
  plantedOnsetRound: z.number().int().nullish().transform((value) => value ?? undefined),
  trueAlerts: count,
  falseAlarms: count,
  unscored: count,
  precision: optionalFinite,
  firstDelayRounds: optionalFinite,
});

const figureSpread = z.object({
  figure: z.string(),
  values: z.array(finite.nullable()),
  seeds: z.array(finite),
  mean: optionalFinite,
  sd: optionalFinite,
  min: optionalFinite,
  max: optionalFinite,
});

export const auditResultSchema = z
  .object({
    kind: z.literal('audit'),
    title: z.string(),
    generatedAt: z.string(),
    seed: finite,
    population: z.object({ users: count, items: count, domain: z.string(), groups: z.record(z.string(), count) }),
    options: z.record(z.string(), z.union([z.string(), finite, z.boolean()])),
    runs: z.array(policyRunResult).min(1, { message: 'an audit result needs at least one policy run' }),
    detection: z.array(detectionScore).optional(),
    alertSignal: z.array(alertSignal).optional(),
    spread: z.array(figureSpread).optional(),
  })
  .superRefine((result, context) => {
    const seen = new Set<string>();
    result.runs.forEach((run, r) => {
      if (seen.has(run.policy)) context.addIssue({ code: 'custom', path: ['runs', r, 'policy'], message: `policy "${run.policy}" appears twice; each run needs its own name` });
      seen.add(run.policy);
      if (run.reranksPerRound.length !== run.rounds.length) {
        context.addIssue({
          code: 'custom',
          path: ['runs', r, 'reranksPerRound'],
          message: `${run.reranksPerRound.length} counts for ${run.rounds.length} rounds; give one count per round (0 where none)`,
        });
      }
      run.rounds.forEach((round, i) => {
        for (const group of Object.keys(result.population.groups)) {
          if (!Object.hasOwn(round.groups, group)) {
            context.addIssue({ code: 'custom', path: ['runs', r, 'rounds', i, 'groups'], message: `no measures for group "${group}" of population.groups; every round measures every group` });
          }
        }
      });
    });
  });

// The schema's output must be an AuditResult: a contract change that the schema does not follow fails the typecheck here.
const schemaMatchesContract: z.output<typeof auditResultSchema> extends AuditResult ? true : never = true;
void schemaMatchesContract;

const MAX_LISTED_ISSUES = 20;
const HOW_TO_FIX = 'give the audit.json written by `npm run audit`; its shape is AuditResult in libs/simulation/src/audit-result.ts';

/**
 * Validates parsed JSON as an AuditResult.
 * @param source names the input in the message (a file path).
 * @throws ReportInputError (REPORT.NOT_AN_AUDIT_RESULT) listing each wrong field by its path, and how to fix it.
 */
export function parseAuditResult(json: unknown, source = 'the input'): AuditResult {
  const parsed = auditResultSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const lines = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `  - ${issuePath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_LISTED_ISSUES) lines.push(`  … and ${issues.length - MAX_LISTED_ISSUES} more`);
  throw new ReportInputError('REPORT.NOT_AN_AUDIT_RESULT', `${source} is not an audit result:\n${lines.join('\n')}\nFix: ${HOW_TO_FIX}.`);
}

/** A path as it reads in code: runs[0].rounds[2].groups.minority.regret ("(top level)" for the root). */
function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
