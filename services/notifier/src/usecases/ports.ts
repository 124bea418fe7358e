import type { WebhookHttpClient } from '@chorus/platform';
import type { AlertsRepository } from '../persistence/alerts.repository';
import type { DeliveriesRepository } from '../persistence/deliveries.repository';
import type { SubscriptionsRepository } from '../persistence/subscriptions.repository';
import type { DeliveryJobRef, WebhookDeliveryQueue } from '../processors/webhook-delivery.queue';

// What the use cases need of the outside, method by method. The Postgres repositories, the BullMQ queue and the HTTP
// client implement these (notifier.runtime.ts wires them); unit specs pass in-memory ones, and the middle tier
// (*.pg-spec.ts) tests the repositories themselves on a real PostgreSQL.

export type AlertsStorePort = Pick<AlertsRepository, 'storeAndMatch'>;
/** The stream's reads: the replay (`after`, `deletedThrough`) and the live feed (`allAfter`, `maxSeq`). */
export type AlertsReadPort = Pick<AlertsRepository, 'after' | 'deletedThrough' | 'allAfter' | 'maxSeq'>;
export type DeliveriesPort = Pick<
  DeliveriesRepository,
  'createPing' | 'markEnqueued' | 'unenqueued' | 'enqueuedOpen' | 'markUnenqueued' | 'target' | 'recordAttempt' | 'log'
>;
export type SubscriptionsPort = Pick<SubscriptionsRepository, 'create' | 'countByOwner' | 'list' | 'find' | 'update' | 'delete' | 'sealedSecrets' | 'reseal'>;
export type DeliveryQueuePort = Pick<WebhookDeliveryQueue, 'enqueue' | 'unknownJobs'>;
/** Hands committed deliveries to the queue (DispatchDeliveriesUseCase). */
export interface DispatchPort {
  dispatch(jobs: DeliveryJobRef[]): Promise<void>;
}
export type WebhookPoster = Pick<WebhookHttpClient, 'post'>;
