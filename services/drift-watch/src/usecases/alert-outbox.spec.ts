import type { DriftAlertV1, RerankJobInputV1, TopicKey } from '@chorus/contracts';
import { JsonLogger, type EnqueuedRerankJob } from '@chorus/platform';
import type { Queue } from 'bullmq';
import type { Message } from 'kafkajs';
import { of, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { driftAlert } from '../testing/drift-alert.fixture';
import { AlertOutbox, type AlertOutboxStore, type AlertProducer, type AlertRerankQueue } from './alert-outbox';

/** Delivering committed alerts, against in-memory implementations of the outbox's store, producer and rerank queue. */

/** drift_alerts' two outboxes in memory: claimed in order, marked done only when the work succeeded. */
class InMemoryOutboxStore implements AlertOutboxStore {
  readonly rows: { alert: DriftAlertV1; published: boolean; jobIds?: string[]; error?: string }[] = [];
  add(...alerts: DriftAlertV1[]): void {
    for (const alert of alerts) this.rows.push({ alert, published: false });
  }
  async publishPending(limit: number, publish: (alerts: DriftAlertV1[]) => Promise<void>): Promise<number> {
    const claimed = this.rows.filter((r) => !r.published).slice(0, limit);
    if (claimed.length === 0) return 0;
    await publish(claimed.map((r) => r.alert));
    for (const row of claimed) row.published = true;
    return claimed.length;
  }
  async requestPendingReranks(limit: number, request: (alert: DriftAlertV1) => Promise<string[]>): Promise<{ requested: number; failed: number }> {
    const claimed = this.rows.filter((r) => r.alert.rerankRequested && r.jobIds === undefined).slice(0, limit);
    let failed = 0;
    for (const row of claimed) {
      try {
        row.jobIds = await request(row.alert);
        row.error = undefined;
      } catch (error) {
        failed++;
        row.error = (error as Error).message;
      }
    }
    return { requested: claimed.length - failed, failed };
  }
  async recentlyEnqueuedReranks(): Promise<{ alertId: string; jobIds: string[] }[]> {
    return [];
  }
  async requestRerankAgain(): Promise<void> {}
}

class InMemoryProducer implements AlertProducer {
  readonly sent: { topic: TopicKey; messages: readonly Message[] }[] = [];
  failures = 0;
  emit(pattern: TopicKey, messages: readonly Message[]): Observable<unknown> {
    if (this.failures > 0) {
      this.failures--;
      return throwError(() => new Error('leader not available'));
    }
    this.sent.push({ topic: pattern, messages });
    return of(undefined);
  }
}

class InMemoryRerankQueue implements AlertRerankQueue {
  readonly queue = undefined as unknown as Queue; // reconcileReranks is not exercised here: it needs Redis.
  readonly enqueued: RerankJobInputV1[] = [];
  failing = false;
  async enqueue(input: RerankJobInputV1): Promise<EnqueuedRerankJob[]> {
    if (this.failing) throw new Error('Redis is down');
    this.enqueued.push(input);
    return [{ jobId: `job-${this.enqueued.length}`, name: input.scope === 'user' ? 'rerank-user' : 'rerank-fan-out' }];
  }
}

function setup(options: { rerank?: boolean; members?: Record<string, string[]> } = {}) {
  const store = new InMemoryOutboxStore();
  const producer = new InMemoryProducer();
  const rerank = new InMemoryRerankQueue();
  const logs: { level: string; message: string }[] = [];
  const members = options.members ?? {};
  const outbox = new AlertOutbox(
    store,
    producer,
    options.rerank === false ? undefined : rerank,
    { members: async (_domain, name) => members[name] },
    new JsonLogger('drift-watch', 'debug', (line) => logs.push(JSON.parse(line))).child('alert-outbox'),
  );
  return { store, producer, rerank, logs, outbox };
}

describe('AlertOutbox', () => {
  it('publishes committed alerts keyed by their scope key, with id and severity headers, once', async () => {
    const { store, producer, outbox } = setup({ rerank: false });
    const alert = driftAlert(1, { severity: 'critical', rerankRequested: false });
    store.add(alert);
    await outbox.drain();
    await outbox.drain();
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.topic).toBe('driftAlerts');
    expect(producer.sent[0]!.messages).toEqual([
      { key: 'user:movies:ann', value: JSON.stringify(alert), headers: { 'chorus-alert-id': alert.alertId, 'chorus-severity': 'critical' } },
    ]);
  });

  it('keeps alerts whose publication failed and sends them on the next drain', async () => {
    const { store, producer, logs, outbox } = setup({ rerank: false });
    store.add(driftAlert(2));
    producer.failures = 1;
    await outbox.drain();
    expect(producer.sent).toHaveLength(0);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['publishing drift alerts failed; they stay in the outbox and are retried']);
    await outbox.drain();
    expect(producer.sent).toHaveLength(1);
  });

  it('publishes in rounds of 200 until the outbox is empty', async () => {
    const { store, producer, outbox } = setup({ rerank: false });
    store.add(...Array.from({ length: 401 }, (_, k) => driftAlert(100 + k, { subject: `u-${k}` })));
    await outbox.drain();
    expect(producer.sent.map((s) => s.messages.length)).toEqual([200, 200, 1]);
  });

  it('requests a rerank per alert scope: the user, the segment\'s members now, or a population fan-out', async () => {
    const { store, rerank, outbox } = setup({ members: { cohort: ['amy', 'kim'] } });
    const user = driftAlert(3, { subject: 'ann' });
    const segment = driftAlert(4, { scope: 'segment', subject: 'cohort' });
    const population = driftAlert(5, { scope: 'population', subject: 'movies' });
    const noRerank = driftAlert(6, { subject: 'bob', rerankRequested: false });
    store.add(user, segment, population, noRerank);
    await outbox.drain();
    expect(rerank.enqueued).toEqual([
      { scope: 'user', domain: 'movies', userIds: ['ann'], reason: { kind: 'alert', alertId: user.alertId } },
      { scope: 'segment', domain: 'movies', userIds: ['amy', 'kim'], segment: 'cohort', reason: { kind: 'alert', alertId: segment.alertId } },
      { scope: 'population', domain: 'movies', reason: { kind: 'alert', alertId: population.alertId } },
    ]);
    expect(store.rows.map((r) => r.jobIds)).toEqual([['job-1'], ['job-2'], ['job-3'], undefined]);
  });

  it('marks the alert of a deleted or emptied segment done with no jobs, and says so', async () => {
    const { store, rerank, logs, outbox } = setup({ members: { empty: [] } });
    store.add(driftAlert(7, { scope: 'segment', subject: 'gone' }), driftAlert(8, { scope: 'segment', subject: 'empty' }));
    await outbox.drain();
    expect(rerank.enqueued).toEqual([]);
    expect(store.rows.map((r) => r.jobIds)).toEqual([[], []]);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'segment of a drift alert no longer exists; no rerank requested',
      'segment of a drift alert no longer exists; no rerank requested',
    ]);
  });

  it('keeps an alert whose rerank request failed in the outbox, with the error, and requests it on the next drain', async () => {
    const { store, rerank, logs, outbox } = setup();
    store.add(driftAlert(9));
    rerank.failing = true;
    await outbox.drain();
    expect(store.rows[0]).toMatchObject({ published: true, error: 'Redis is down' });
    expect(store.rows[0]!.jobIds).toBeUndefined();
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['rerank requests failed; they stay in the outbox and are retried']);
    rerank.failing = false;
    await outbox.drain();
    expect(store.rows[0]!.jobIds).toEqual(['job-1']);
  });

  it('runs one drain at a time: a drain asked for meanwhile joins it and makes it go round once more', async () => {
    const { store, producer, outbox } = setup({ rerank: false });
    store.add(driftAlert(10, { subject: 'first' }));
    const running = outbox.drain();
    store.add(driftAlert(11, { subject: 'second' }));
    const joined = outbox.drain();
    await Promise.all([running, joined]);
    expect(producer.sent.map((s) => s.messages.map((m) => m.key))).toEqual([['user:movies:first'], ['user:movies:second']]);
  });

  it('reconciles nothing without a rerank queue', async () => {
    expect(await setup({ rerank: false }).outbox.reconcileReranks(60_000)).toBe(0);
  });
});
