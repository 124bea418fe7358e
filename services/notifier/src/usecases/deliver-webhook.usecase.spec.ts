import { createHmac } from 'node:crypto';
import { SecretBox } from '@chorus/platform';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DeliveryTarget } from '../persistence/deliveries.repository';
import { InMemoryDeliveries, recordingLogger, requestError, ScriptedPoster } from '../testing/in-memory-ports';
import { DeliverWebhookUseCase } from './deliver-webhook.usecase';

const SUB = '50000000-0000-4000-8000-000000000001';
const DELIVERY = '51000000-0000-4000-8000-000000000001';
const NOW = 1_700_000_000_000;
const BODY = '{"alertId":"a-1"}';
const box = new SecretBox(Buffer.alloc(32, 1).toString('base64'));
const otherBox = new SecretBox(Buffer.alloc(32, 2).toString('base64'));

const hmac = (secret: string) => createHmac('sha256', secret).update(`1700000000.${DELIVERY}.${BODY}`).digest('hex');

function setup(script: ConstructorParameters<typeof ScriptedPoster>[0], target: Partial<DeliveryTarget> = {}) {
  const deliveries = new InMemoryDeliveries();
  deliveries.targets.set(DELIVERY, {
    id: DELIVERY,
    event: 'drift-alert',
    status: 'pending',
    subscriptionId: SUB,
    url: 'https://receiver.example/hook',
    sealedSecret: box.seal('whsec_current', SUB),
    sealedPreviousSecret: null,
    body: BODY,
    alertId: 'a-1',
    alertSeq: '42',
    attempts: 0,
    ...target,
  });
  const poster = new ScriptedPoster(script);
  const registry = new Registry();
  const attempts = new Counter({ name: 'deliveries_test', help: 'attempts', labelNames: ['outcome'], registers: [registry] });
  const { lines, logger } = recordingLogger();
  const deliver = new DeliverWebhookUseCase(deliveries, poster, box, { baseMs: 1000, maxMs: 8000, jitter: 0 }, logger.child('deliver'), attempts, () => NOW);
  const counts = async () => Object.fromEntries((await attempts.get()).values.map((v) => [v.labels.outcome, v.value]));
  return { deliveries, poster, deliver, lines, counts };
}

const ok = (status = 200) => ({ status, bodySnippet: '', durationMs: 12 });

describe('DeliverWebhookUseCase', () => {
  it('POSTs the stored body signed with the secret and a fresh timestamp, with the delivery id, event, attempt and alert sequence', async () => {
    const { deliveries, poster, deliver, counts } = setup([ok(204)]);
    expect(await deliver.attempt(DELIVERY, 1, 5, 'job-1')).toEqual({ status: 'succeeded' });
    expect(poster.requests).toEqual([
      {
        url: 'https://receiver.example/hook',
        body: BODY,
        headers: {
          'chorus-signature': `t=1700000000,v2=${hmac('whsec_current')}`,
          'chorus-delivery-id': DELIVERY,
          'chorus-event': 'drift-alert',
          'chorus-attempt': '1',
          'chorus-alert-sequence': '42',
        },
      },
    ]);
    expect(deliveries.attempts).toEqual([{ deliveryId: DELIVERY, record: { attempt: 1, statusCode: 204, error: null, durationMs: 12, outcome: 'succeeded', nextAttemptAt: null } }]);
    expect(await counts()).toEqual({ succeeded: 1 });
  });

  it('during a rotation grace period signs with the replaced secret too (current first); a ping has no alert sequence', async () => {
    const { poster, deliver } = setup([ok()], { sealedPreviousSecret: box.seal('whsec_old', SUB), event: 'ping', alertId: null, alertSeq: null });
    await deliver.attempt(DELIVERY, 2, 5, 'job-1');
    expect(poster.requests[0]!.headers).toEqual({
      'chorus-signature': `t=1700000000,v2=${hmac('whsec_current')},v2=${hmac('whsec_old')}`,
      'chorus-delivery-id': DELIVERY,
      'chorus-event': 'ping',
      'chorus-attempt': '2',
    });
  });

  it('a replaced secret no key opens is left out, with a warning; the delivery still goes out', async () => {
    const { poster, deliver, lines } = setup([ok()], { sealedPreviousSecret: otherBox.seal('whsec_old', SUB) });
    expect((await deliver.attempt(DELIVERY, 1, 5, 'job-1')).status).toBe('succeeded');
    expect(poster.requests[0]!.headers['chorus-signature']).toBe(`t=1700000000,v2=${hmac('whsec_current')}`);
    expect(lines.map((l) => [l.level, l.message])).toContainEqual(['warn', 'the replaced secret cannot be read; signing with the current one only']);
  });

  it('a non-2xx answer is retried with capped exponential backoff, its status and body kept in the log', async () => {
    const { deliveries, deliver, counts } = setup([{ status: 503, bodySnippet: 'busy', durationMs: 30 }, { status: 500, bodySnippet: '', durationMs: 31 }]);
    expect(await deliver.attempt(DELIVERY, 1, 5, 'job-1')).toEqual({ status: 'retrying', error: 'HTTP 503: busy' });
    expect(await deliver.attempt(DELIVERY, 3, 5, 'job-1')).toEqual({ status: 'retrying', error: 'HTTP 500' });
    expect(deliveries.attempts.map((a) => a.record)).toEqual([
      { attempt: 1, statusCode: 503, error: 'HTTP 503: busy', durationMs: 30, outcome: 'retrying', nextAttemptAt: new Date(NOW + 1000) },
      { attempt: 3, statusCode: 500, error: 'HTTP 500', durationMs: 31, outcome: 'retrying', nextAttemptAt: new Date(NOW + 4000) },
    ]);
    expect(await counts()).toEqual({ failed: 2 });
  });

  it('a redirect is a failure that says redirects are not followed', async () => {
    const { deliver } = setup([{ status: 301, bodySnippet: '', durationMs: 5 }]);
    expect(await deliver.attempt(DELIVERY, 1, 5, 'job-1')).toEqual({ status: 'retrying', error: 'HTTP 301 (redirects are not followed: point the subscription at the final URL)' });
  });

  it('the last attempt that fails makes the delivery dead, keeping its error', async () => {
    const { deliveries, deliver, counts, lines } = setup([requestError('connect ECONNREFUSED')]);
    expect(await deliver.attempt(DELIVERY, 5, 5, 'job-1')).toEqual({ status: 'dead', error: 'connect ECONNREFUSED' });
    expect(deliveries.attempts[0]!.record).toEqual({ attempt: 5, statusCode: null, error: 'connect ECONNREFUSED', durationMs: 15, outcome: 'dead', nextAttemptAt: null });
    expect(await counts()).toEqual({ dead: 1 });
    expect(lines.find((l) => l.message === 'webhook delivery is dead')).toMatchObject({ level: 'warn', reason: '5 attempts failed' });
  });

  it('a target the outbound policy refuses is dead at once: retrying cannot make it allowed', async () => {
    const { deliver, lines } = setup([requestError('the address 10.0.0.1 is private', true)]);
    expect(await deliver.attempt(DELIVERY, 1, 5, 'job-1')).toEqual({ status: 'dead', error: 'the address 10.0.0.1 is private' });
    expect(lines.find((l) => l.message === 'webhook delivery is dead')).toMatchObject({ reason: 'target refused by policy' });
  });

  it('an unexpected error (not a request failure) propagates, recording nothing', async () => {
    const { deliveries, deliver } = setup([new TypeError('bug')]);
    await expect(deliver.attempt(DELIVERY, 1, 5, 'job-1')).rejects.toThrow('bug');
    expect(deliveries.attempts).toEqual([]);
  });

  it('a secret no configured key opens makes the delivery dead without a request, naming the fix', async () => {
    const { deliveries, poster, deliver, counts } = setup([], { sealedSecret: otherBox.seal('whsec_current', SUB) });
    const outcome = await deliver.attempt(DELIVERY, 1, 5, 'job-1');
    expect(outcome.status).toBe('dead');
    expect((outcome as { error: string }).error).toContain('set NOTIFIER_SECRET_ENCRYPTION_KEY to the key it was stored with, or PATCH a new secret');
    expect([poster.requests, deliveries.attempts[0]!.record.outcome, await counts()]).toEqual([[], 'dead', { dead: 1 }]);
  });

  it('skips a delivery that is gone or already final (a duplicate job run), sending nothing', async () => {
    const { poster, deliver } = setup([], { status: 'succeeded' });
    expect(await deliver.attempt(DELIVERY, 2, 5, 'job-1')).toEqual({ status: 'skipped', reason: 'the delivery is already succeeded' });
    expect(await deliver.attempt('51000000-0000-4000-8000-0000000000ff', 1, 5, 'job-2')).toEqual({ status: 'skipped', reason: 'the delivery no longer exists (its subscription was deleted)' });
    expect(poster.requests).toEqual([]);
  });
});
