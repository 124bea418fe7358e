import type { RoundMeasures } from './offline-loop.runner';

/**
 * What an aggregation audit (issue #12) produces, and what the report renders: the contract between the runner that
 * drives a planted population through the live services (`npm run audit`) and the report. The MovieLens replay has
 * its own report (scripts/movielens).
 * Every figure is plain data (JSON-serialisable), so a report can be drawn again from a saved `audit.json`.
 */
export interface AuditResult {
  readonly kind: 'audit';
  readonly title: string;
  /** ISO 8601 time the run finished. */
  readonly generatedAt: string;
  readonly seed: number;
  readonly population: AuditPopulation;
  /** The run's settings as given (rounds, list length, candidates, …), shown in the report as they are. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** One entry per serving policy, in the order they ran. */
  readonly runs: readonly PolicyRunResult[];
  /** How well drift-watch's alerts found what was planted, per domain (absent when nothing was scored). */
  readonly detection?: readonly DetectionScore[];
  /** Every alert judged against what was planted, per policy, domain and scope: true alerts against false alarms. */
  readonly alertSignal?: readonly AlertSignal[];
  /** Spread of the headline figures over repeated runs with other seeds (absent for a single run). */
  readonly spread?: readonly FigureSpread[];
}

export interface AuditPopulation {
  readonly users: number;
  readonly items: number;
  readonly domain: string;
  /** Users per planted group (majority, minority, mixed, …). */
  readonly groups: Readonly<Record<string, number>>;
}

/** One serving policy's run: the truth-side measures per round, and what the live pipeline did meanwhile. */
export interface PolicyRunResult {
  /** 'aggregate' (τ² = 0), 'pooled', 'personal' (large τ²), 'calibrated', or a policy added later, by name. */
  readonly policy: string;
  /** One line for people: what the policy serves and how. */
  readonly description: string;
  /** τ² the models were pooled with (where it was learned, the estimate at the run's end). */
  readonly tau2: number;
  /** Whether the served lists were calibrated (Steck). */
  readonly calibrated: boolean;
  /**
   * What the policy configured beyond τ² and serving, as variable → value (e.g. LEARNER_MAX_PERSONAS → "1"); absent
   * for a policy on the services' defaults. The reading compares only runs without it (they differ in τ² alone).
   */
  readonly settings?: Readonly<Record<string, string>>;
  readonly rounds: readonly RoundMeasures[];
  /** Feedback events produced by the choice model and accepted. */
  readonly events: number;
  /** Drift alerts raised during the run, by the round in which they arrived. */
  readonly alerts: readonly AuditAlert[];
  /** Calibrated lists completed by the reranker, per round (index = round − 1). */
  readonly reranksPerRound: readonly number[];
  /**
   * Population points drift-watch recorded in the measured domain over the run (one per closed time bucket, shard and
   * metric): none means its population watch saw no bucket close, so no population alert could fire.
   */
  readonly populationPoints?: number;
  /** Wall-clock seconds the run took. */
  readonly seconds: number;
}

export interface AuditAlert {
  readonly round: number;
  readonly scope: 'user' | 'segment' | 'population';
  readonly metric: string;
  readonly domain: string;
  readonly severity: string;
  /** The user id, segment name or domain the alert is about. */
  readonly subject: string;
  /** For a user alert on a user of the measured population: the user's planted group. */
  readonly group?: string;
}

/** Alerts scored against planted narrowing onsets (recall, delay) and stationary stretches (false alarms). */
export interface DetectionScore {
  readonly domain: string;
  readonly policy: string;
  /** Round at which narrowing was planted; undefined when nothing was planted in this domain. */
  readonly plantedOnsetRound: number | undefined;
  /** Users whose taste was planted to narrow. */
  readonly plantedUsers: number;
  /** Of those, how many got a narrowing alert at or after the onset. */
  readonly detectedUsers: number;
  /** detectedUsers / plantedUsers; undefined when nothing was planted. */
  readonly recall: number | undefined;
  /** Mean rounds from onset to the first alert, over detected users. */
  readonly meanDelayRounds: number | undefined;
  /** Alerts on users and rounds with nothing planted, per 1,000 user-rounds. */
  readonly falseAlarmsPer1000UserRounds: number;
}

/** One policy's alerts in one domain and scope, judged against what was planted (`scoreAlertSignal`). */
export interface AlertSignal {
  readonly domain: string;
  readonly policy: string;
  readonly scope: 'user' | 'segment' | 'population';
  /** Round at which narrowing was planted in the domain; undefined when nothing was planted. */
  readonly plantedOnsetRound: number | undefined;
  /** Alerts on a narrowing metric that match the planted narrowing (its users or its population, from the onset). */
  readonly trueAlerts: number;
  /** Alerts on a narrowing metric with nothing planted behind them (another user, or before the onset). */
  readonly falseAlarms: number;
  /** Alerts on other metrics: nothing planted says whether they are right. */
  readonly unscored: number;
  /** trueAlerts / (trueAlerts + falseAlarms); undefined with neither. */
  readonly precision: number | undefined;
  /** Rounds from the onset to the first true alert (0 = the onset round); undefined without one. */
  readonly firstDelayRounds: number | undefined;
}

/** A headline figure measured over several runs with different seeds: how much of it is the run rather than the policy. */
export interface FigureSpread {
  /** What the figure is, for people ("pooled: minority AUC at the last round"). */
  readonly figure: string;
  /** The value of each run, in seed order (null where a run did not measure it). */
  readonly values: readonly (number | null)[];
  readonly seeds: readonly number[];
  readonly mean: number | undefined;
  /** Sample standard deviation (n − 1); undefined with fewer than two values. */
  readonly sd: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}
