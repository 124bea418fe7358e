import { z } from 'zod';
import { isoTimestamp, uuid } from './common-fields';

/** The BullMQ queue of webhook deliveries (the notifier enqueues and works it). */
export const WEBHOOK_DELIVERY_QUEUE = 'webhook-deliveries';
/** The job name on that queue: one attempt sequence of one delivery. */
export const WEBHOOK_DELIVERY_JOB = 'deliver';
/** Every job name of the queue; the worker checks at boot that each has exactly one handler. */
export const WEBHOOK_DELIVERY_JOBS: readonly string[] = [WEBHOOK_DELIVERY_JOB];

/** What a delivery carries, sent as the `Chorus-Event` header. */
export const WEBHOOK_EVENTS = ['drift-alert', 'ping'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A delivery job's payload: only the delivery id. Everything else (target, secret, body) is read from Postgres when
 * the job runs, so a job never carries a secret into Redis and always uses the subscription's current URL.
 */
export const webhookDeliveryJobV1 = z.strictObject({ deliveryId: uuid });
export type WebhookDeliveryJobV1 = z.output<typeof webhookDeliveryJobV1>;

/** The body of a test ping (`Chorus-Event: ping`); drift-alert deliveries carry the chorus.drift-alerts.v1 alert itself. */
export const webhookPingV1 = z.strictObject({
  type: z.literal('ping'),
  deliveryId: uuid,
  subscriptionId: uuid,
  sentAt: isoTimestamp,
  message: z.string(),
});
export type WebhookPingV1 = z.output<typeof webhookPingV1>;
