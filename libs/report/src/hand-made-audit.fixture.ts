import type { AuditAlert, AuditResult, GroupRoundMeasures, PolicyRunResult, RoundMeasures } from '@chorus/simulation';

/**
 * A small AuditResult written by hand for the report's unit tests: round numbers chosen so every figure the report
 * derives can be worked out on paper (the expected sentences and cells in the specs are computed that way, not by the
 * code under test). Groups: majority 6 users, minority 2, mixed 2; the mixed group alone has a minority interest.
 */
export function group(regret: number, extra: Partial<GroupRoundMeasures> = {}): GroupRoundMeasures {
  return {
    users: 0,
    regret,
    auc: 0.8,
    minorityShare: undefined,
    trueMinorityShare: undefined,
    calibrationKl: 0.5,
    exposureEntropy: 0.6,
    stanceReinforcement: 0.1,
    stanceExtremityChange: 0.02,
    consumption: 1.5,
    consumptionEntropy: 0.4,
    homogenization: 0.05,
    ...extra,
  };
}

/** Last-round regrets per group and the mixed group's minority share (served, true) of one policy. */
interface PolicyFigures {
  policy: string;
  tau2: number;
  calibrated: boolean;
  regret: { majority: number; minority: number; mixed: number };
  minorityShare: [number, number];
  polarization: [number, number];
  alerts?: AuditAlert[];
  reranksPerRound?: number[];
}

function policyRun(f: PolicyFigures): PolicyRunResult {
  const round = (r: number, scale: number): RoundMeasures => ({
    round: r,
    groups: {
      majority: group(f.regret.majority * scale, { users: 6 }),
      minority: group(f.regret.minority * scale, { users: 2 }),
      mixed: group(f.regret.mixed * scale, { users: 2, minorityShare: f.minorityShare[0], trueMinorityShare: f.minorityShare[1] }),
    },
    polarization: f.polarization[r]!,
    exposureGini: 0.4,
    homogenization: 0.03,
  });
  return {
    policy: f.policy,
    description: `${f.policy} serving`,
    tau2: f.tau2,
    calibrated: f.calibrated,
    rounds: [round(0, 2), round(1, 1)],
    events: 100,
    alerts: f.alerts ?? [],
    reranksPerRound: f.reranksPerRound ?? [0, 0],
    seconds: 1.5,
  };
}

export function handMadeAudit(): AuditResult {
  const alert = (round: number, scope: AuditAlert['scope'], subject: string, group?: string): AuditAlert => ({
    round,
    scope,
    metric: 'exposure-entropy',
    domain: 'news',
    severity: 'warning',
    subject,
    ...(group ? { group } : {}),
  });
  return {
    kind: 'audit',
    title: 'Hand-made audit',
    generatedAt: '2026-12-07T00:00:00.000Z',
    seed: 7,
    population: { users: 10, items: 20, domain: 'news', groups: { majority: 6, minority: 2, mixed: 2 } },
    options: { rounds: 2, listLength: 5 },
    runs: [
      policyRun({
        policy: 'aggregate-only',
        tau2: 0,
        calibrated: false,
        regret: { majority: 0.1, minority: 0.5, mixed: 0.3 },
        minorityShare: [0.05, 0.3],
        polarization: [0.2, 0.22],
        alerts: [alert(1, 'user', 'u-1', 'majority'), alert(1, 'user', 'u-2', 'minority')],
      }),
      policyRun({ policy: 'pooled', tau2: 1, calibrated: false, regret: { majority: 0.12, minority: 0.2, mixed: 0.25 }, minorityShare: [0.1, 0.3], polarization: [0.2, 0.21] }),
      policyRun({
        policy: 'near-pure-personal',
        tau2: 100,
        calibrated: false,
        regret: { majority: 0.15, minority: 0.18, mixed: 0.35 },
        minorityShare: [0.12, 0.3],
        polarization: [0.2, 0.26],
        alerts: [alert(0, 'population', 'news')],
      }),
      policyRun({
        policy: 'pooled-calibrated',
        tau2: 1,
        calibrated: true,
        regret: { majority: 0.13, minority: 0.22, mixed: 0.26 },
        minorityShare: [0.28, 0.3],
        polarization: [0.2, 0.215],
        reranksPerRound: [0, 7],
      }),
    ],
    detection: [
      { domain: 'news', policy: 'pooled', plantedOnsetRound: 1, plantedUsers: 4, detectedUsers: 3, recall: 0.75, meanDelayRounds: 0.5, falseAlarmsPer1000UserRounds: 1.25 },
      { domain: 'code', policy: 'pooled', plantedOnsetRound: undefined, plantedUsers: 0, detectedUsers: 0, recall: undefined, meanDelayRounds: undefined, falseAlarmsPer1000UserRounds: 0 },
    ],
  };
}
