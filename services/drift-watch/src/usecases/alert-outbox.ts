import { driftAlertKey, type DriftAlertV1 } from '@chorus/contracts';
import { emitEvent, jobsUnknownToQueue, type ContextLogger, type EventClient, type RerankQueue } from '@chorus/platform';
import type { AlertOutboxRepository } from '../persistence/alert-outbox.repository';
import type { DriftSegmentRepository } from '../persistence/drift-segment.repository';

const BATCH = 200;

/** The outbox's ports (AlertOutboxRepository, the Kafka producer client and RerankQueue in production). */
export type AlertOutboxStore = Pick<AlertOutboxRepository, 'publishPending' | 'requestPendingReranks' | 'recentlyEnqueuedReranks' | 'requestRerankAgain'>;
export type AlertProducer = EventClient;
export type AlertRerankQueue = Pick<RerankQueue, 'enqueue' | 'queue'>;

/**
 * Delivers committed alerts: publishes them to chorus.drift-alerts.v1 (keyed by scope key) and, for harmful
 * calibration and diversity alerts, enqueues calibrated-rerank jobs through the shared RerankQueue (a user alert →
 * a job for that user; a segment alert → a `segment` job listing the segment's members, read at enqueue time; a
 * population alert → a population fan-out job). Both run after the Postgres commit that
 * recorded the alert and are retried until they succeed, so an alert is never lost between the commit and Kafka; a
 * crash after sending but before marking can send it again (consumers dedupe on alertId).
 *
 * `drain()` is single-flight: a call during a drain makes the running drain go round once more.
 */
export class AlertOutbox {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly repository: AlertOutboxStore,
    private readonly producer: AlertProducer,
    private readonly rerank: AlertRerankQueue | undefined,
    private readonly segments: Pick<DriftSegmentRepository, 'members'>,
    private readonly log: ContextLogger,
  ) {}

  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drainOnce();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Redis runs without persistence, so a restart loses every job; Postgres still records which alerts' reranks were
   * enqueued. An alert enqueued within `horizonMs` (how long Redis keeps finished jobs) whose job Redis no longer
   * knows goes back in the outbox and is requested again (a per-user job whose list was made already finds it and
   * does nothing; a fan-out is expanded again). Returns how many alerts were put back.
   */
  async reconcileReranks(horizonMs: number): Promise<number> {
    if (!this.rerank) return 0;
    let lost = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.repository.recentlyEnqueuedReranks(horizonMs, BATCH, after);
      if (rows.length === 0) break;
      const unknown = await jobsUnknownToQueue(this.rerank.queue, rows.flatMap((r) => r.jobIds));
      const gone = rows.filter((r) => r.jobIds.some((id) => unknown.has(id)));
      if (gone.length > 0) {
        await this.repository.requestRerankAgain(gone.map((r) => r.alertId), 'the rerank queue lost its job (Redis restarted without its data); requested again');
        this.log.warn('rerank jobs lost by Redis; requesting them again', { alerts: gone.length, alertIds: gone.slice(0, 10).map((r) => r.alertId) });
      }
      lost += gone.length;
      after = rows.at(-1)!.alertId;
      if (rows.length < BATCH) break;
    }
    if (lost > 0) await this.drain();
    return lost;
  }

  private async drainOnce(): Promise<void> {
    try {
      while ((await this.repository.publishPending(BATCH, (alerts) => this.publish(alerts))) === BATCH);
    } catch (error) {
      this.log.warn('publishing drift alerts failed; they stay in the outbox and are retried', { error: (error as Error).message });
    }
    if (!this.rerank) return;
    try {
      let round;
      do {
        round = await this.repository.requestPendingReranks(BATCH, (alert) => this.requestRerank(alert));
        if (round.failed > 0) this.log.warn('rerank requests failed; they stay in the outbox and are retried', { failed: round.failed });
      } while (round.requested === BATCH);
    } catch (error) {
      this.log.warn('requesting reranks failed; they stay in the outbox and are retried', { error: (error as Error).message });
    }
  }

  private async publish(alerts: DriftAlertV1[]): Promise<void> {
    await emitEvent(
      this.producer,
      'driftAlerts',
      alerts.map((alert) => ({
        key: driftAlertKey(alert),
        value: JSON.stringify(alert),
        headers: { 'chorus-alert-id': alert.alertId, 'chorus-severity': alert.severity },
      })),
    );
    for (const alert of alerts) {
      this.log.info('published drift alert', { alertId: alert.alertId, scope: alert.scope, metric: alert.metric, domain: alert.domain, severity: alert.severity });
    }
  }

  private async requestRerank(alert: DriftAlertV1): Promise<string[]> {
    const reason = { kind: 'alert' as const, alertId: alert.alertId };
    let jobs;
    if (alert.scope === 'user') {
      jobs = await this.rerank!.enqueue({ scope: 'user', domain: alert.domain, userIds: [alert.subject], reason });
    } else if (alert.scope === 'segment') {
      // Members as of now, not as of the detection: the rerank serves the people in the cohort the operator keeps
      // watching. A segment deleted since has nobody to rerank; the alert is marked done with no jobs.
      const userIds = await this.segments.members(alert.domain, alert.subject);
      if (userIds === undefined || userIds.length === 0) {
        this.log.warn('segment of a drift alert no longer exists; no rerank requested', { alertId: alert.alertId, segment: alert.subject, domain: alert.domain });
        return [];
      }
      jobs = await this.rerank!.enqueue({ scope: 'segment', domain: alert.domain, userIds, segment: alert.subject, reason });
    } else {
      jobs = await this.rerank!.enqueue({ scope: 'population', domain: alert.domain, reason });
    }
    this.log.info('requested calibrated rerank for drift alert', { alertId: alert.alertId, jobIds: jobs.map((j) => j.jobId) });
    return jobs.map((j) => j.jobId);
  }
}
