import type { INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HttpErrorFilter } from '@chorus/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../../test/support/poll';
import type { StoredAlert } from '../persistence/alerts.repository';
import { InMemoryAlerts, recordingLogger } from '../testing/in-memory-ports';
import { AlertFeed } from '../usecases/alert-feed';
import { StreamAlertsUseCase } from '../usecases/stream-alerts.usecase';
import { AlertStreamController } from './alert-stream.controller';
import { StreamCapGuard } from './stream-cap.guard';

// The controller and its SSE framing over real HTTP (Nest on Express, the services' error filter), with the stream
// use case on in-memory alerts. The per-key stream cap needs the verified caller that ApiKeyGuard sets (e2e tests it),
// so it is overridden here.

const stored = (seq: number, domain = 'news'): StoredAlert => ({ seq: String(seq), alertId: `a-${seq}`, scope: 'user', subject: 'u-1', metric: 'miscalibration', severity: 'warning', domain, body: `{"seq":${seq}}` });

let app: INestApplication;
let base: string;
const alerts = new InMemoryAlerts();
const feed = new AlertFeed(alerts, { pollMs: 3_600_000, heartbeatMs: 3_600_000 }, recordingLogger().logger.child('feed'));

beforeAll(async () => {
  for (const seq of [1, 2, 3]) alerts.add(stored(seq, seq === 2 ? 'movies' : 'news'));
  await feed.start();
  const module = await Test.createTestingModule({
    controllers: [AlertStreamController],
    providers: [{ provide: StreamAlertsUseCase, useValue: new StreamAlertsUseCase(alerts, feed, 100) }, { provide: APP_FILTER, useClass: HttpErrorFilter }],
  })
    .overrideGuard(StreamCapGuard)
    .useValue({ canActivate: () => true })
    .compile();
  app = module.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await feed.stop();
  await app?.close();
});

/** Reads the stream until `until` appears in it, then disconnects; returns what was read and the response headers. */
async function readStream(path: string, headers: Record<string, string>, until: string, whileOpen?: () => void): Promise<{ status: number; type: string | null; text: string }> {
  const controller = new AbortController();
  const response = await fetch(`${base}${path}`, { headers, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let nudged = false;
  while (!text.includes(until)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!nudged && whileOpen && text.includes(': live')) {
      nudged = true;
      whileOpen();
    }
  }
  controller.abort();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

describe('AlertStreamController (HTTP)', () => {
  it('replays after Last-Event-ID with the filters, says when it is live, then streams new alerts', async () => {
    const { status, type, text } = await readStream('/v1/alerts/stream?domains=news', { 'last-event-id': '1' }, 'id: 4\n', () => {
      alerts.add(stored(4));
      feed.wake();
    });
    expect([status, type]).toEqual([200, 'text/event-stream; charset=utf-8']);
    expect(text).toBe('retry: 2000\n: connected\n\nid: 3\nevent: drift-alert\ndata: {"seq":3}\n\n: live\n\nid: 4\nevent: drift-alert\ndata: {"seq":4}\n\n');
    // The client went away: its feed client is closed and removed.
    await pollUntil(async () => feed.connected, (n) => n === 0, { timeoutMs: 10_000, what: 'the disconnected client to leave the feed' });
  });

  it('?lastEventId= works like the header (EventSource cannot set headers on its first connection)', async () => {
    const { text } = await readStream('/v1/alerts/stream?lastEventId=3', {}, ': live');
    expect(text).toBe('retry: 2000\n: connected\n\nid: 4\nevent: drift-alert\ndata: {"seq":4}\n\n: live\n\n');
  });

  it('invalid parameters are a JSON 400 before the stream starts', async () => {
    const response = await fetch(`${base}/v1/alerts/stream?colour=red`, { headers: { 'last-event-id': 'x' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; issues: { path: string }[] };
    expect([body.code, body.issues.map((i) => i.path)]).toEqual(['REQUEST.INVALID', ['colour']]);
    const cursor = await fetch(`${base}/v1/alerts/stream`, { headers: { 'last-event-id': '-4' } });
    expect([cursor.status, ((await cursor.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)]).toEqual([400, ['Last-Event-ID']]);
  });

  it('a replay that fails ends the started stream with a comment saying to reconnect (the use case closes it first)', async () => {
    alerts.failReplay = new Error('connection terminated');
    try {
      const { status, text } = await readStream('/v1/alerts/stream', { 'last-event-id': '0' }, 'closing');
      expect(status).toBe(200);
      expect(text).toBe('retry: 2000\n: connected\n\n: closing: the replay failed; reconnect with Last-Event-ID\n\n');
    } finally {
      alerts.failReplay = undefined;
    }
  });
});
