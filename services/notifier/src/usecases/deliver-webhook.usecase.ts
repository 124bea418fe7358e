import { CHORUS_DELIVERY_ID_HEADER, CHORUS_EVENT_HEADER, CHORUS_SIGNATURE_HEADER, signChorusPayload } from '@chorus/contracts';
import { WebhookRequestError, type ContextLogger, type SecretBox } from '@chorus/platform';
import type { Counter } from 'prom-client';
import type { DeliveriesPort, WebhookPoster } from './ports';
import { jitterFraction, retryDelayMs, type RetryDelayOptions } from './retry-delay';

export type AttemptOutcome =
  | { status: 'succeeded' }
  /** Nothing to do: the delivery is gone (subscription deleted) or already final (a duplicate job run). */
  | { status: 'skipped'; reason: string }
  | { status: 'retrying'; error: string }
  | { status: 'dead'; error: string };

/**
 * One delivery attempt: sign the delivery id and stored body with the subscription's secret (and, during a rotation's
 * grace period, the secret it replaced) and a fresh timestamp, POST it, and record the outcome. The body and
 * `Chorus-Delivery-Id` are the same on every attempt (receivers dedupe on the id); only `t` and the signature change. Non-2xx answers and network failures are retried until `maxAttempts`, then the
 * delivery is dead with its last error kept. A target the outbound policy refuses (e.g. its DNS now points inside
 * the network) is dead at once: retrying cannot make it allowed.
 */
export class DeliverWebhookUseCase {
  constructor(
    private readonly deliveries: DeliveriesPort,
    private readonly http: WebhookPoster,
    private readonly secrets: SecretBox,
    private readonly backoff: RetryDelayOptions,
    private readonly log: ContextLogger,
    private readonly attempts: Counter<'outcome'>,
    private readonly now: () => number = Date.now,
  ) {}

  async attempt(deliveryId: string, attempt: number, maxAttempts: number, jobId: string): Promise<AttemptOutcome> {
    const target = await this.deliveries.target(deliveryId);
    if (!target) return this.skip(jobId, deliveryId, 'the delivery no longer exists (its subscription was deleted)');
    if (target.status === 'succeeded' || target.status === 'dead') return this.skip(jobId, deliveryId, `the delivery is already ${target.status}`);
    // BullMQ counts attempts in the job, and a job added again after Redis lost it starts again from 0; the delivery row
    // keeps the attempts made, so the attempt's number (and whether it is the last) follows Postgres.
    attempt = Math.max(attempt, target.attempts + 1);

    let secret: string;
    try {
      secret = this.secrets.open(target.sealedSecret, target.subscriptionId);
    } catch (failure) {
      // A key rotated without re-encrypting, or a tampered row: no attempt can be signed, so none is made.
      const error = `cannot read the subscription's signing secret (${(failure as Error).message}); set NOTIFIER_SECRET_ENCRYPTION_KEY to the key it was stored with, or PATCH a new secret`;
      await this.deliveries.recordAttempt(deliveryId, { attempt, statusCode: null, error, durationMs: 0, outcome: 'dead', nextAttemptAt: null });
      this.attempts.inc({ outcome: 'dead' });
      this.log.error('webhook delivery is dead', { jobId, deliveryId, subscriptionId: target.subscriptionId, error });
      return { status: 'dead', error };
    }
    // During a secret rotation's grace period, sign with the replaced secret too, so receivers still on it verify.
    const secrets = [secret];
    if (target.sealedPreviousSecret !== null) {
      try {
        secrets.push(this.secrets.open(target.sealedPreviousSecret, target.subscriptionId));
      } catch (failure) {
        this.log.warn('the replaced secret cannot be read; signing with the current one only', { jobId, deliveryId, subscriptionId: target.subscriptionId, error: (failure as Error).message });
      }
    }
    const timestamp = Math.floor(this.now() / 1000);
    const headers: Record<string, string> = {
      [CHORUS_SIGNATURE_HEADER]: signChorusPayload(secrets, timestamp, target.id, target.body),
      [CHORUS_DELIVERY_ID_HEADER]: target.id,
      [CHORUS_EVENT_HEADER]: target.event,
      'chorus-attempt': String(attempt),
      ...(target.alertSeq ? { 'chorus-alert-sequence': target.alertSeq } : {}),
    };

    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    let durationMs = 0;
    try {
      const response = await this.http.post(target.url, target.body, headers);
      statusCode = response.status;
      durationMs = response.durationMs;
      if (response.status < 200 || response.status >= 300) {
        const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed: point the subscription at the final URL)' : '';
        error = `HTTP ${response.status}${redirect}${response.bodySnippet ? `: ${response.bodySnippet.slice(0, 500)}` : ''}`;
      }
    } catch (failure) {
      if (!(failure instanceof WebhookRequestError)) throw failure;
      error = failure.message;
      refused = failure.refused;
      durationMs = failure.durationMs;
    }

    const fields = { jobId, deliveryId, subscriptionId: target.subscriptionId, alertId: target.alertId, attempt, statusCode };
    if (error === null) {
      await this.deliveries.recordAttempt(deliveryId, { attempt, statusCode, error, durationMs, outcome: 'succeeded', nextAttemptAt: null });
      this.attempts.inc({ outcome: 'succeeded' });
      this.log.info('webhook delivered', { ...fields, durationMs });
      return { status: 'succeeded' };
    }
    const final = refused || attempt >= maxAttempts;
    const nextAttemptAt = final ? null : new Date(this.now() + retryDelayMs(attempt, this.backoff, jitterFraction(jobId, attempt)));
    await this.deliveries.recordAttempt(deliveryId, { attempt, statusCode, error, durationMs, outcome: final ? 'dead' : 'retrying', nextAttemptAt });
    this.attempts.inc({ outcome: final ? 'dead' : 'failed' });
    if (final) {
      this.log.warn('webhook delivery is dead', { ...fields, error, reason: refused ? 'target refused by policy' : `${maxAttempts} attempts failed` });
      return { status: 'dead', error };
    }
    this.log.info('webhook attempt failed; will retry', { ...fields, error });
    return { status: 'retrying', error };
  }

  private skip(jobId: string, deliveryId: string, reason: string): AttemptOutcome {
    this.log.info('delivery skipped', { jobId, deliveryId, reason });
    return { status: 'skipped', reason };
  }
}
