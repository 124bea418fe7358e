import { RuntimeOpsController, SecretBox, type CallerKey } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { declaredRoutes } from '../../../../test/support/declared-routes';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { InMemoryDeliveries, InMemorySubscriptions, recordingLogger, RecordingQueue } from '../testing/in-memory-ports';
import { DispatchDeliveriesUseCase } from '../usecases/dispatch-deliveries.usecase';
import { ManageSubscriptionsUseCase } from '../usecases/manage-subscriptions.usecase';
import { AlertStreamController } from './alert-stream.controller';

import { SubscriptionsController } from './subscriptions.controller';

const caller = (id: string): CallerKey => ({ id, name: `name-${id}`, scopes: ['subscriber'] });

function controller() {
  const deliveries = new InMemoryDeliveries();
  const dispatcher = new DispatchDeliveriesUseCase(new RecordingQueue(), deliveries, recordingLogger().logger.child('dispatch'));
  const manage = new ManageSubscriptionsUseCase(new InMemorySubscriptions(), deliveries, dispatcher, new SecretBox(Buffer.alloc(32, 1).toString('base64')), { allowHttp: true, allowPrivateTargets: true }, { maxPerKey: 5, maxAttempts: 3, secretGraceSeconds: 60 });
  return new SubscriptionsController(manage);
}

describe('notifier controllers: the access each route declares', () => {
  it('subscriptions and the stream need the subscriber scope; ping has its own quota class; ops are public or metrics', () => {
    expect([SubscriptionsController, AlertStreamController, RuntimeOpsController].flatMap(declaredRoutes)).toEqual([
      'POST /v1/subscriptions → scope:subscriber',
      'GET /v1/subscriptions → scope:subscriber',
      'GET /v1/subscriptions/:id → scope:subscriber',
      'PATCH /v1/subscriptions/:id → scope:subscriber',
      'DELETE /v1/subscriptions/:id → scope:subscriber',
      'GET /v1/subscriptions/:id/deliveries → scope:subscriber',
      'POST /v1/subscriptions/:id/ping → scope:subscriber (rate class ping)',
      'GET /v1/alerts/stream → scope:subscriber',
      'GET /health → public',
      'GET /metrics → metrics',
    ]);
  });
});

describe('SubscriptionsController', () => {
  it("acts for the calling key only: another key's subscription is a 404", async () => {
    const subscriptions = controller();
    const created = await subscriptions.create(caller('key-a'), { url: 'http://127.0.0.1:9/hook' });
    expect(created.url).toBe('http://127.0.0.1:9/hook');
    expect(await subscriptions.list(caller('key-a'))).toEqual({ subscriptions: [expect.objectContaining({ id: created.id })] });
    expect(await subscriptions.list(caller('key-b'))).toEqual({ subscriptions: [] });
    expect((await subscriptions.get(caller('key-a'), created.id)).id).toBe(created.id);
    expect((await errorAnswer(subscriptions.get(caller('key-b'), created.id))).status).toBe(404);
    expect((await subscriptions.update(caller('key-a'), created.id, { active: false })).active).toBe(false);
    expect(await subscriptions.deliveries(caller('key-a'), created.id, {})).toEqual({ deliveries: [], next: null });
    expect((await subscriptions.ping(caller('key-a'), created.id)).status).toBe('pending');
    expect(await subscriptions.delete(caller('key-a'), created.id)).toBeUndefined();
    expect((await errorAnswer(subscriptions.delete(caller('key-a'), created.id))).status).toBe(404);
  });
});
