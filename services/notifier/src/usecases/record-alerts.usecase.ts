import { deadLetterFor, driftAlertV1, parseJsonWith, type DeadLetterV1, type ValidationIssue } from '@chorus/contracts';
import { describeFailure, type ContextLogger } from '@chorus/platform';
import type { IncomingAlert, StoreOutcome } from '../persistence/alerts.repository';
import type { AlertsStorePort, DispatchPort } from './ports';

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
 * transaction, then dispatch the deliveries to the queue. Invalid messages become dead letters committed in that
 * transaction (the transport relays them) and come back for counting; a replayed alert changes nothing.
 */
export class RecordAlertsUseCase {
  constructor(
    private readonly alerts: AlertsStorePort,
    private readonly dispatcher: DispatchPort,
    private readonly maxAttempts: number,
    private readonly source: { topic: string; consumer: string },
    private readonly log: ContextLogger,
  ) {}

  async record(messages: AlertMessage[]): Promise<RecordOutcome> {
    const valid: IncomingAlert[] = [];
    const deadLetters: DeadLetterV1[] = [];
    for (const message of messages) {
      const parsed = this.parse(message);
      if (parsed.ok) valid.push({ alert: parsed.value, body: JSON.stringify(parsed.value), partition: message.partition, offset: message.offset });
      else deadLetters.push(this.deadLetter(message, 'ALERT.INVALID', 'the message is not a valid chorus.drift-alerts.v1 alert', parsed.issues));
    }
    const outcome = await this.alerts.storeAndMatch(valid, this.maxAttempts, deadLetters);
    for (const alert of outcome.stored) {
      this.log.info('alert stored', { alertId: alert.alertId, seq: alert.seq, metric: alert.metric, scope: alert.scope, deliveries: outcome.deliveries.filter((d) => d.alertId === alert.alertId).length });
    }
    await this.dispatcher.dispatch(outcome.deliveries.map((d) => ({ deliveryId: d.id, jobId: d.jobId })));
    return { ...outcome, deadLetters };
  }

  /** The dead letter of an alert Postgres refused to store (found alone by the consumer's isolation). */
  private unstorable(message: AlertMessage, error: unknown): DeadLetterV1 {
    return this.deadLetter(message, 'ALERT.UNSTORABLE', `Postgres refused a value of this alert (${describeFailure(error)}); correct it and publish it again`);
  }

  /** Commit the dead letter of an alert Postgres refused to store (nothing of it stored); returns the letter. */
  async refuse(message: AlertMessage, error: unknown): Promise<DeadLetterV1> {
    const letter = this.unstorable(message, error);
    await this.alerts.storeAndMatch([], this.maxAttempts, [letter]);
    return letter;
  }

  /** Validated against the schema; any exception doing so is this message's doing, so it is a refusal too. */
  private parse(message: AlertMessage): ReturnType<typeof parseJsonWith<typeof driftAlertV1>> {
    try {
      return parseJsonWith(driftAlertV1, message.value);
    } catch (error) {
      return { ok: false, issues: [{ path: '', message: `the message could not be decoded: ${(error as Error).message}` }] };
    }
  }

  private deadLetter(message: AlertMessage, code: string, reason: string, issues?: ValidationIssue[]): DeadLetterV1 {
    return deadLetterFor({ ...this.source, partition: message.partition, offset: message.offset }, message, code, reason, issues);
  }
}
