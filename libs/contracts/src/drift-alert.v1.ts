import { z } from 'zod';
import { domainName, isoTimestamp, storableText, uuid } from './common-fields';
import { driftDetectorName } from './drift-detector-config.v1';
import { driftMetricName } from './drift-metric';

export const DRIFT_SCOPES = ['user', 'segment', 'population'] as const;
export const driftScope = z.enum(DRIFT_SCOPES, { error: 'scope must be "user", "segment" or "population"' });
export type DriftScope = z.output<typeof driftScope>;

export const DRIFT_SEVERITIES = ['warning', 'critical'] as const;
export const driftSeverity = z.enum(DRIFT_SEVERITIES, { error: 'severity must be "warning" or "critical"' });
export type DriftSeverity = z.output<typeof driftSeverity>;

/**
 * What goes to chorus.drift-alerts.v1 (keyed by the scope key `scope:domain:subject`) and into the `drift_alerts`
 * table: a harmful drift of one metric for one subject, as a detector saw it.
 *
 * An alert is raised once per (scope, subject, domain, metric) and cooldown: a repeat within the cooldown (event time)
 * folds into the open alert (its count and last-seen time grow; nothing new is published).
 */
export const driftAlertV1 = z.strictObject({
  schemaVersion: z.literal(1, { error: 'schemaVersion must be 1 for chorus.drift-alerts.v1' }).optional(),
  /** Deterministic in (scope, subject, domain, metric, source position): a replay re-derives the same id. */
  alertId: uuid,
  scope: driftScope,
  /** The user id (user scope), the segment name (segment scope) or the domain (population scope). */
  subject: storableText('subject', { min: 1, max: 256 }),
  domain: domainName,
  metric: driftMetricName,
  detector: driftDetectorName,
  /** Which way the metric moved from its baseline. */
  direction: z.enum(['up', 'down']),
  /** The metric when the detector fired. */
  value: z.number().finite(),
  /** The metric's reference level: the mean of its first observations after the detector (re)started. */
  baseline: z.number().finite(),
  severity: driftSeverity,
  /** What the detector watched: event-time span and observations since it (re)started. */
  window: z.strictObject({
    start: isoTimestamp,
    end: isoTimestamp,
    observations: z.number().int().min(1),
    /** Population metrics: the time-bucket width the series is computed in. */
    bucketSeconds: z.number().int().min(1).optional(),
    /** Population metrics: the Kafka partition whose users the estimate is drawn from (see drift-watch README). */
    shard: z.number().int().min(0).optional(),
  }),
  /** The detector configuration version in force (drift_detector_configs; 0 = the built-in configuration). */
  configVersion: z.number().int().min(0),
  raisedAt: isoTimestamp,
  /** A calibrated rerank was asked for (harmful calibration or diversity drift). */
  rerankRequested: z.boolean(),
});

export type DriftAlertV1 = z.output<typeof driftAlertV1>;

/** The Kafka key of an alert: one key per scope and subject, so one subject's alerts stay ordered. */
export function driftAlertKey(alert: Pick<DriftAlertV1, 'scope' | 'domain' | 'subject'>): string {
  return `${alert.scope}:${alert.domain}:${alert.subject}`;
}
