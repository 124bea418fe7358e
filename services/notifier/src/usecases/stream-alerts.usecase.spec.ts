import { afterEach, describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import type { StoredAlert } from '../persistence/alerts.repository';
import { InMemoryAlerts, recordingLogger } from '../testing/in-memory-ports';
import { AlertFeed, type AlertSink } from './alert-feed';
import { StreamAlertsUseCase } from './stream-alerts.usecase';

const stored = (seq: number, domain = 'news', severity: StoredAlert['severity'] = 'warning'): StoredAlert => ({
  seq: String(seq),
  alertId: `a-${seq}`,
  scope: 'user',
  subject: `u-${seq}`,
  metric: 'miscalibration',
  severity,
  domain,
  body: `{"seq":${seq}}`,
});

class RecordingSink implements AlertSink {
  readonly events: string[] = [];
  send(alert: StoredAlert): boolean {
    this.events.push(`alert ${alert.seq}`);
    return true;
  }
  comment(text: string): void {
    this.events.push(`: ${text}`);
  }
  gap(after: bigint, deletedThrough: bigint): void {
    this.events.push(`gap ${after}..${deletedThrough}`);
  }
  close(reason: string): void {
    this.events.push(`close ${reason}`);
  }
}

const feeds: AlertFeed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.stop()));
});

async function setup(seqs: number[]) {
  const alerts = new InMemoryAlerts();
  for (const seq of seqs) alerts.add(stored(seq));
  const { lines, logger } = recordingLogger();
  // Timers far out: the spec wakes the feed itself, as a NOTIFY would.
  const feed = new AlertFeed(alerts, { pollMs: 3_600_000, heartbeatMs: 3_600_000 }, logger.child('feed'));
  feeds.push(feed);
  await feed.start();
  return { alerts, feed, lines, stream: new StreamAlertsUseCase(alerts, feed, 100) };
}

/** Lets the feed's drain (promises over the in-memory store) run to its end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('StreamAlertsUseCase', () => {
  describe('parseFilters', () => {
    it('splits comma-separated values, takes repeated parameters, and keeps commas inside subjects', async () => {
      const { stream } = await setup([]);
      expect(stream.parseFilters({ severities: 'critical,warning', domains: ['movies', 'news'], subjects: ['u,1', 'u2'], lastEventId: '7' })).toEqual({
        severities: ['critical', 'warning'],
        domains: ['movies', 'news'],
        subjects: ['u,1', 'u2'],
      });
    });

    it('names unknown parameters and invalid values (400)', async () => {
      const { stream } = await setup([]);
      const answer = await errorAnswer(() => stream.parseFilters({ severity: 'critical', scopes: 'planet' }));
      expect(answer.status).toBe(400);
      expect(answer.body.message).toBe('2 invalid stream parameter(s); fix them and reconnect');
      expect(answer.body.issues!.map((i) => i.path)).toEqual(['severity', 'scopes[0]']);
      expect(answer.body.issues![0]!.message).toBe('unknown filter; use scopes, metrics, severities, domains, subjects (comma-separated or repeated) or lastEventId');
    });
  });

  describe('parseCursor', () => {
    it('prefers the Last-Event-ID header, then ?lastEventId=, else none', async () => {
      const { stream } = await setup([]);
      expect([stream.parseCursor('12', '5'), stream.parseCursor(undefined, '5'), stream.parseCursor('', ''), stream.parseCursor(undefined, undefined)]).toEqual([12n, 5n, undefined, undefined]);
      expect(stream.parseCursor(' 9223372036854775807 ', undefined)).toBe(9223372036854775807n);
    });

    it('refuses anything but a non-negative integer of up to 19 digits (400 naming Last-Event-ID)', async () => {
      const { stream } = await setup([]);
      for (const bad of ['-1', '1.5', 'abc', '12345678901234567890']) {
        const answer = await errorAnswer(() => stream.parseCursor(bad, undefined));
        expect([answer.status, answer.body.issues]).toEqual([400, [{ path: 'Last-Event-ID', message: 'expected a non-negative integer' }]]);
      }
    });
  });

  describe('open', () => {
    it('without a cursor starts with the next alert stored', async () => {
      const { alerts, feed, stream } = await setup([1, 2]);
      const sink = new RecordingSink();
      await stream.open({}, undefined, sink);
      alerts.add(stored(3));
      feed.wake();
      await settle();
      expect(sink.events).toEqual(['alert 3']);
      expect(feed.connected).toBe(1);
    });

    it('with a cursor replays every matching alert after it, then continues live without a duplicate', async () => {
      const { alerts, feed, stream } = await setup([1, 2, 3]);
      alerts.add(stored(4, 'movies'));
      const sink = new RecordingSink();
      const client = await stream.open({ domains: ['news'] }, 1n, sink);
      alerts.add(stored(5));
      feed.wake();
      await settle();
      expect(sink.events).toEqual(['alert 2', 'alert 3', 'alert 5']);
      expect(client.cursor).toBe(5n);
    });

    it('replays in pages of 500', async () => {
      const { stream } = await setup(Array.from({ length: 1203 }, (_, i) => i + 1));
      const sink = new RecordingSink();
      await stream.open({}, 0n, sink);
      expect(sink.events.length).toBe(1203);
      expect(sink.events.at(-1)).toBe('alert 1203');
    });

    it('tells a client resuming below the retention mark that alerts may be missing, before the replay', async () => {
      const { alerts, stream } = await setup([8, 9]);
      alerts.deletedThroughSeq = '7';
      const sink = new RecordingSink();
      await stream.open({}, 3n, sink);
      expect(sink.events).toEqual(['gap 3..7', 'alert 8', 'alert 9']);
      const atMark = new RecordingSink();
      await stream.open({}, 7n, atMark);
      expect(atMark.events).toEqual(['alert 8', 'alert 9']);
    });

    it('a replay that fails closes the client, leaves the feed, and rethrows', async () => {
      const { alerts, feed, stream } = await setup([1]);
      alerts.failReplay = new Error('connection terminated');
      const sink = new RecordingSink();
      await expect(stream.open({}, 0n, sink)).rejects.toThrow('connection terminated');
      expect(sink.events).toEqual(['close the replay failed; reconnect with Last-Event-ID']);
      expect(feed.connected).toBe(0);
    });

    it('close leaves the feed and ends the stream with the reason', async () => {
      const { feed, stream } = await setup([]);
      const sink = new RecordingSink();
      const client = await stream.open({}, undefined, sink);
      stream.close(client, 'client disconnected');
      expect([sink.events, feed.connected, client.closed]).toEqual([['close client disconnected'], 0, true]);
    });
  });
});

describe('AlertFeed', () => {
  it('passes every new alert to every client once, in seq order, however many wakes arrive', async () => {
    const { alerts, feed, stream } = await setup([1]);
    const a = new RecordingSink();
    const b = new RecordingSink();
    await stream.open({}, undefined, a);
    await stream.open({ severities: ['critical'] }, undefined, b);
    for (const seq of [2, 3, 4]) alerts.add(stored(seq, 'news', seq === 3 ? 'critical' : 'warning'));
    feed.wake();
    feed.wake();
    feed.wake();
    await settle();
    expect([a.events, b.events, feed.position]).toEqual([['alert 2', 'alert 3', 'alert 4'], ['alert 3'], 4n]);
  });

  it('a failed read is logged and retried by the next wake', async () => {
    const { alerts, feed, lines, stream } = await setup([]);
    const sink = new RecordingSink();
    await stream.open({}, undefined, sink);
    const allAfter = alerts.allAfter.bind(alerts);
    alerts.allAfter = async () => {
      throw new Error('connection reset');
    };
    alerts.add(stored(1));
    feed.wake();
    await settle();
    expect(lines.find((l) => l.message === 'reading new alerts failed; the next notification or poll retries')).toMatchObject({ level: 'warn', error: 'connection reset' });
    alerts.allAfter = allAfter;
    feed.wake();
    await settle();
    expect(sink.events).toEqual(['alert 1']);
  });

  it('stop closes every client with a reason to reconnect, and ignores wakes after', async () => {
    const { alerts, feed, stream } = await setup([]);
    const sink = new RecordingSink();
    await stream.open({}, undefined, sink);
    await feed.stop();
    alerts.add(stored(1));
    feed.wake();
    await settle();
    expect([sink.events, feed.connected]).toEqual([['close the server is shutting down; reconnect with Last-Event-ID'], 0]);
  });

  it('heartbeats reach live clients as keep-alive comments', async () => {
    const alerts = new InMemoryAlerts();
    const feed = new AlertFeed(alerts, { pollMs: 3_600_000, heartbeatMs: 5 }, recordingLogger().logger.child('feed'));
    feeds.push(feed);
    await feed.start();
    const sink = new RecordingSink();
    await new StreamAlertsUseCase(alerts, feed, 100).open({}, undefined, sink);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.events.length).toBeGreaterThan(0);
    expect(new Set(sink.events)).toEqual(new Set([': keep-alive']));
  });
});
