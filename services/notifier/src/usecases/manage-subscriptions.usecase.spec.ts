import { SecretBox, type ResolveAll } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { InMemoryDeliveries, InMemorySubscriptions, recordingLogger, RecordingQueue } from '../testing/in-memory-ports';
import { DispatchDeliveriesUseCase } from './dispatch-deliveries.usecase';
import { ManageSubscriptionsUseCase } from './manage-subscriptions.usecase';

const box = new SecretBox(Buffer.alloc(32, 1).toString('base64'));
// DNS as the outbound policy sees it: one public host, one that resolves inside the network.
const resolve: ResolveAll = async (host) => (host === 'internal.example' ? [{ address: '10.0.0.5', family: 4 }] : [{ address: '93.184.216.34', family: 4 }]);
const SECRET = 'whsec_0123456789abcdef0123456789abcdef';

function setup(maxPerKey = 3) {
  const subscriptions = new InMemorySubscriptions();
  const deliveries = new InMemoryDeliveries();
  const queue = new RecordingQueue();
  const dispatcher = new DispatchDeliveriesUseCase(queue, deliveries, recordingLogger().logger.child('dispatch'));
  const manage = new ManageSubscriptionsUseCase(subscriptions, deliveries, dispatcher, box, { allowHttp: false, allowPrivateTargets: false }, { maxPerKey, maxAttempts: 6, secretGraceSeconds: 900 }, resolve);
  return { subscriptions, deliveries, queue, manage };
}

describe('ManageSubscriptionsUseCase', () => {
  it('create stores the secret sealed for this row and answers it once; one is generated when none is given', async () => {
    const { subscriptions, manage } = setup();
    const created = await manage.create('key-a', { url: 'https://receiver.example/hook', secret: SECRET, filters: { severities: ['critical'] } });
    expect(created).toMatchObject({ url: 'https://receiver.example/hook', active: true, description: null, secret: SECRET, filters: { severities: ['critical'] } });
    const row = subscriptions.rows.get(created.id)!;
    expect([row.owner, row.secret === SECRET, box.open(row.secret, created.id)]).toEqual(['key-a', false, SECRET]);
    const generated = await manage.create('key-a', { url: 'https://receiver.example/other' });
    expect(generated.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it('create refuses a URL the outbound policy refuses (400 WEBHOOK.URL_REFUSED naming "url") and invalid fields (400)', async () => {
    const { subscriptions, manage } = setup();
    const internal = await errorAnswer(manage.create('key-a', { url: 'https://internal.example/hook' }));
    expect([internal.status, internal.body.code, internal.body.issues!.map((i) => i.path)]).toEqual([400, 'WEBHOOK.URL_REFUSED', ['url']]);
    expect(internal.body.message).toContain('10.0.0.5');
    const plain = await errorAnswer(manage.create('key-a', { url: 'http://receiver.example/hook' }));
    expect([plain.status, plain.body.code]).toEqual([400, 'WEBHOOK.URL_REFUSED']);
    const invalid = await errorAnswer(manage.create('key-a', { url: 'https://receiver.example', active: 'yes', colour: 1 }));
    expect([invalid.status, invalid.body.issues!.map((i) => i.path).sort()]).toEqual([400, ['(root)', 'active']]);
    expect(subscriptions.rows.size).toBe(0);
  });

  it('a key holds at most maxPerKey subscriptions (409 saying what to do)', async () => {
    const { manage } = setup(1);
    await manage.create('key-a', { url: 'https://receiver.example/1' });
    expect(await errorAnswer(manage.create('key-a', { url: 'https://receiver.example/2' }))).toEqual({
      status: 409,
      body: { code: 'SUBSCRIPTION.LIMIT_REACHED', message: "this key already holds 1 subscriptions (the limit); delete one or widen an existing one's filters" },
    });
    expect((await manage.create('key-b', { url: 'https://receiver.example/2' })).url).toBe('https://receiver.example/2');
  });

  it("another key's subscription answers exactly like a missing one: 404 on get, update, delete, log and ping", async () => {
    const { manage } = setup();
    const { id } = await manage.create('key-a', { url: 'https://receiver.example/hook' });
    expect((await manage.get('key-a', id)).id).toBe(id);
    const expected = { status: 404, body: { code: 'SUBSCRIPTION.NOT_FOUND', message: `no subscription "${id}" for this API key; list yours with GET /v1/subscriptions` } };
    expect(await errorAnswer(manage.get('key-b', id))).toEqual(expected);
    expect(await errorAnswer(manage.update('key-b', id, { active: false }))).toEqual(expected);
    expect(await errorAnswer(manage.delete('key-b', id))).toEqual(expected);
    expect(await errorAnswer(manage.deliveryLog('key-b', id, {}))).toEqual(expected);
    expect(await errorAnswer(manage.ping('key-b', id))).toEqual(expected);
    expect((await manage.list('key-b')).length).toBe(0);
    expect((await manage.list('key-a')).map((s) => s.id)).toEqual([id]);
  });

  it('an id that is not a uuid is a 400 naming "id"', async () => {
    const { manage } = setup();
    const answer = await errorAnswer(manage.get('key-a', 'not-a-uuid'));
    expect([answer.status, answer.body.message, answer.body.issues!.map((i) => i.path)]).toEqual([400, 'the subscription id in the path is not valid', ['id']]);
  });

  it('update changes only the fields given; a new secret is sealed and the old one kept for the grace period', async () => {
    const { subscriptions, manage } = setup();
    const { id } = await manage.create('key-a', { url: 'https://receiver.example/hook', secret: SECRET, description: 'first' });
    const updated = await manage.update('key-a', id, { url: 'https://receiver.example/new', secret: 'whsec_fedcba9876543210fedcba9876543210' });
    expect([updated.url, updated.description, updated.previousSecretExpiresAt]).toEqual(['https://receiver.example/new', 'first', '+900s']);
    const row = subscriptions.rows.get(id)!;
    expect([box.open(row.secret, id), box.open(row.previousSecret!, id)]).toEqual(['whsec_fedcba9876543210fedcba9876543210', SECRET]);
    const nothing = await errorAnswer(manage.update('key-a', id, {}));
    expect([nothing.status, nothing.body.issues!.map((i) => i.message)]).toEqual([400, ['name at least one field to change: url, description, secret, filters, active']]);
    expect((await errorAnswer(manage.update('key-a', id, { url: 'https://internal.example/' }))).body.code).toBe('WEBHOOK.URL_REFUSED');
  });

  it('delete removes the subscription', async () => {
    const { subscriptions, manage } = setup();
    const { id } = await manage.create('key-a', { url: 'https://receiver.example/hook' });
    await manage.delete('key-a', id);
    expect(subscriptions.rows.size).toBe(0);
  });

  it('the delivery log: limit 1..200 (default 50), a known status, a delivery id as "before"; next is the last id of a full page', async () => {
    const { deliveries, manage } = setup();
    const { id } = await manage.create('key-a', { url: 'https://receiver.example/hook' });
    const entry = (n: number) => ({ id: `70000000-0000-4000-8000-00000000000${n}` }) as never;
    deliveries.logEntries = [entry(1), entry(2)];
    expect(await manage.deliveryLog('key-a', id, { limit: '2', status: 'dead' })).toEqual({ deliveries: [entry(1), entry(2)], next: '70000000-0000-4000-8000-000000000002' });
    expect(await manage.deliveryLog('key-a', id, { before: '70000000-0000-4000-8000-000000000002' })).toEqual({ deliveries: [entry(1), entry(2)], next: null });
    expect(deliveries.logQueries).toEqual([
      { subscriptionId: id, query: { limit: 2, before: undefined, status: 'dead' } },
      { subscriptionId: id, query: { limit: 50, before: '70000000-0000-4000-8000-000000000002', status: undefined } },
    ]);
    const bad = await errorAnswer(manage.deliveryLog('key-a', id, { limit: '500', status: 'lost', before: 'yesterday' }));
    expect([bad.status, bad.body.issues]).toEqual([
      400,
      [
        { path: 'limit', message: 'expected an integer from 1 to 200' },
        { path: 'status', message: 'expected one of pending, retrying, succeeded, dead' },
        { path: 'before', message: 'expected a delivery id from a previous page (its "next")' },
      ],
    ]);
  });

  it('ping stores a signed-to-be test delivery and hands it to the queue', async () => {
    const { deliveries, queue, manage } = setup();
    const { id } = await manage.create('key-a', { url: 'https://receiver.example/hook' });
    const answer = await manage.ping('key-a', id);
    expect(answer.status).toBe('pending');
    const [ping] = deliveries.pings;
    expect([ping!.id, ping!.subscriptionId, ping!.maxAttempts]).toEqual([answer.deliveryId, id, 6]);
    expect(JSON.parse(ping!.body)).toMatchObject({ type: 'ping', deliveryId: answer.deliveryId, subscriptionId: id });
    expect(queue.batches).toEqual([[{ deliveryId: answer.deliveryId, jobId: `ping.${answer.deliveryId}` }]]);
  });
});
