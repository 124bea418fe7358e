import { deadLetterFor, driftAlertV1, parseJsonWith, type DeadLetterV1, type ValidationIssue } from '@chorus/contracts';
import type { ContextLogger } from '@chorus/platform';
import type { AlertsRepository, IncomingAlert, StoreOutcome } from '../persistence/alerts.repository';
import type { DispatchDeliveriesUseCase } from './dispatch-deliveries.usecase';

export interface AlertMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

export interface RecordOutcome extends StoreOutcome {
  deadLetters: DeadLetterV1[];
}

/**
 * The consumer side: validate alerts from chorus.drift-alerts.v1, store them with their deliveries in one
 * transaction, then dispatch the deliveries to the queue. Invalid messages come back as dead letters (the caller
 * publishes them); a replayed alert changes nothing.
 */
export class RecordAlertsUseCase {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly dispatcher: DispatchDeliveriesUseCase,
    private readonly maxAttempts: number,
    private readonly source: { topic: string; consumer: string },
    private readonly log: ContextLogger,
  ) {}

  async record(messages: AlertMessage[]): Promise<RecordOutcome> {
    const valid: IncomingAlert[] = [];
    const deadLetters: DeadLetterV1[] = [];
    for (const message of messages) {
      const parsed = parseJsonWith(driftAlertV1, message.value);
      if (parsed.ok) valid.push({ alert: parsed.value, body: JSON.stringify(parsed.value), partition: message.partition, offset: message.offset });
      else deadLetters.push(this.deadLetter(message, parsed.issues));
    }
    const outcome = await this.alerts.storeAndMatch(valid, this.maxAttempts);
    for (const alert of outcome.stored) {
      this.log.info('alert stored', { alertId: alert.alertId, seq: alert.seq, metric: alert.metric, scope: alert.scope, deliveries: outcome.deliveries.filter((d) => d.alertId === alert.alertId).length });
    }
    await this.dispatcher.dispatch(outcome.deliveries.map((d) => ({ deliveryId: d.id, jobId: d.jobId })));
    return { ...outcome, deadLetters };
  }

  private deadLetter(message: AlertMessage, issues: ValidationIssue[]): DeadLetterV1 {
    return deadLetterFor(
      { ...this.source, partition: message.partition, offset: message.offset },
      message,
      'ALERT.INVALID',
      'the message is not a valid chorus.drift-alerts.v1 alert',
      issues,
    );
  }

}
