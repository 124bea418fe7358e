import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createdSubscriptionV1, deliveryLogV1, pingAnswerV1, subscriptionV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadNotifierConfig } from '../notifier.config';
import { NotifierModule } from '../notifier.module';
import { notifierOpenApiDocument } from '../notifier.openapi';
import type { ManageSubscriptionsUseCase } from '../usecases/manage-subscriptions.usecase';

type Answer<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
/** Compiles only when every value of `Actual` is a valid input of the schema (tsc runs on spec files: `npm run typecheck`). */
const fits = <Actual, Schema extends z.ZodType>(..._proof: [Actual] extends [z.input<Schema>] ? [] : [mismatch: Actual]) => true;

describe('notifier route answers', () => {
  it('each use case returns what the answer schema of its route says (checked by tsc)', () => {
    fits<Answer<ManageSubscriptionsUseCase['create']>, typeof createdSubscriptionV1>();
    fits<Answer<ManageSubscriptionsUseCase['list']>, z.ZodArray<typeof subscriptionV1>>();
    fits<Answer<ManageSubscriptionsUseCase['get']>, typeof subscriptionV1>();
    fits<Answer<ManageSubscriptionsUseCase['update']>, typeof subscriptionV1>();
    fits<Answer<ManageSubscriptionsUseCase['deliveryLog']>, typeof deliveryLogV1>();
    fits<Answer<ManageSubscriptionsUseCase['ping']>, typeof pingAnswerV1>();
  });

  it('the OpenAPI document gives every route a success answer and the error body', async () => {
    const app = await NestFactory.create(NotifierModule.register(loadNotifierConfig({ NOTIFIER_SECRET_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') })), { preview: true, logger: false });
    try {
      const document = notifierOpenApiDocument(app);
      const stream = document.paths['/v1/alerts/stream']?.get?.responses['200'];
      expect(JSON.stringify(stream)).toContain('text/event-stream');
      expect(JSON.stringify(document.paths['/v1/subscriptions/{id}/deliveries']?.get?.responses)).toContain('#/components/schemas/DeliveryLog');
      // Only the schemas this document refers to: none of the gateway's answers.
      const own = ['CreatedSubscription', 'DeliveryLog', 'DeliveryLogEntry', 'ErrorBody', 'PingAnswer', 'Subscription', 'SubscriptionList'];
      expect(Object.keys(document.components?.schemas ?? {}).filter((id) => !own.includes(id))).toEqual([]);
      expect(Object.keys(document.components?.schemas ?? {})).not.toContain('RerankJobStatus');
      for (const item of Object.values(document.paths)) {
        for (const operation of [item.get, item.post, item.patch, item.delete]) {
          if (operation) expect(JSON.stringify(operation.responses.default)).toContain('#/components/schemas/ErrorBody');
        }
      }
    } finally {
      await app.close();
    }
  });
});
