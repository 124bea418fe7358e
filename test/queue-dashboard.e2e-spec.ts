import { createNotifierClient } from '@chorus/api-client';
import { WEBHOOK_DELIVERY_QUEUE } from '@chorus/contracts';
import { RERANK_QUEUE } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropQueueKeys, notifierEnv, startNotifier } from './support/notifier';
import { startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Bull Board on the gateway shows every queue of the stack — the rerank queue and the notifier's webhook deliveries —
 * behind the admin scope. The notifier runs its API role only (no delivery worker), so a ping's job stays waiting in
 * the webhook queue where the board must show it.
 */
describe('queue dashboard: every queue, admin only', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  const keys = { admin: '', subscriber: '', reader: '' };

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = notifierEnv(stack, serviceEnv(stack, database.url), { NOTIFIER_ROLES: 'api' });
    [gateway, notifier] = await Promise.all([startGateway(env), startNotifier(env)]);
    keys.admin = await stack.apiKey(db, ['admin'], 'ops');
    keys.subscriber = await stack.apiKey(db, ['subscriber'], 'hooks');
    keys.reader = await stack.apiKey(db, ['read'], 'reader');
  });

  afterAll(async () => {
    await Promise.allSettled([gateway?.app.close(), notifier?.app.close()]);
    await dropQueueKeys(stack);
    await stack.stop();
  });

  const board = (key: string | undefined, path = '/admin/queues/api/queues') =>
    fetch(`${gateway.url}${path}`, { headers: key ? { authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` } : {} });

  it('lists the rerank and webhook-delivery queues, with a waiting ping in the latter', async () => {
    const notifierApi = createNotifierClient({ baseUrl: notifier.url, apiKey: keys.subscriber });
    // A public IP literal passes the target check without DNS; nothing is sent (no delivery worker runs).
    const created = await notifierApi.POST('/v1/subscriptions', { body: { url: 'https://8.8.8.8/hooks/chorus' } });
    expect(created.error).toBeUndefined();
    const ping = await notifierApi.POST('/v1/subscriptions/{id}/ping', { params: { path: { id: created.data!.id } } });
    expect(ping.data?.status).toBe('pending');

    const answer = await board(keys.admin);
    expect(answer.status).toBe(200);
    const { queues } = (await answer.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(queues.map((q) => q.name).sort()).toEqual([RERANK_QUEUE, WEBHOOK_DELIVERY_QUEUE].sort());
    expect(queues.find((q) => q.name === WEBHOOK_DELIVERY_QUEUE)?.counts.waiting).toBe(1);

    const page = await board(keys.admin, '/admin/queues');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  it('refuses keys without the admin scope, and no key at all', async () => {
    expect((await board(undefined)).status).toBe(401);
    expect((await board(keys.subscriber)).status).toBe(403);
    expect((await board(keys.reader)).status).toBe(403);
  });
});
