import { describe, expect, it } from 'vitest';
import type { StoredAlert } from '../persistence/alerts.repository';
import { FeedClient, type AlertSink } from './alert-feed';

const alert = (seq: number, domain = 'movies'): StoredAlert => ({
  seq: String(seq),
  alertId: `a-${seq}`,
  scope: 'user',
  subject: `u-${seq}`,
  metric: 'miscalibration',
  severity: 'warning',
  domain,
  body: `{"n":${seq}}`,
});

/** A sink that records what a client would receive (the class under test is FeedClient). */
class RecordingSink implements AlertSink {
  sent: string[] = [];
  comments: string[] = [];
  closed?: string;
  accept = true;
  send(a: StoredAlert): boolean {
    this.sent.push(a.seq);
    return this.accept;
  }
  comment(text: string): void {
    this.comments.push(text);
  }
  close(reason: string): void {
    this.closed = reason;
  }
  gap(after: bigint, deletedThrough: bigint): void {
    this.comments.push(`gap ${after}..${deletedThrough}`);
  }
}

describe('FeedClient', () => {
  it('buffers live alerts during the replay and drains them without the ones the replay already sent', () => {
    const sink = new RecordingSink();
    const client = new FeedClient({}, sink, 100, 2n, true);
    client.offer(alert(4)); // stored during the replay: seen live AND by the replay
    client.offer(alert(5));
    client.replayed(alert(3));
    client.replayed(alert(4));
    client.goLive();
    client.offer(alert(6));
    expect(sink.sent).toEqual(['3', '4', '5', '6']);
    expect(client.cursor).toBe(6n);
  });

  it('never sends an alert at or before its cursor, and filters live alerts', () => {
    const sink = new RecordingSink();
    const client = new FeedClient({ domains: ['news'] }, sink, 100, 10n, false);
    client.offer(alert(9, 'news'));
    client.offer(alert(10, 'news'));
    client.offer(alert(11, 'movies'));
    client.offer(alert(12, 'news'));
    expect(sink.sent).toEqual(['12']);
    // Filtered alerts still move the cursor, so a later duplicate of them is ignored too.
    expect(client.cursor).toBe(12n);
  });

  it('drops a client whose buffer overflows during the replay, or who reads too slowly', () => {
    const overflow = new RecordingSink();
    const replaying = new FeedClient({}, overflow, 2, 0n, true);
    [1, 2, 3].forEach((n) => replaying.offer(alert(n)));
    expect(replaying.closed).toBe(true);
    expect(overflow.closed).toContain('Last-Event-ID');

    const slow = new RecordingSink();
    slow.accept = false;
    const live = new FeedClient({}, slow, 100, 0n, false);
    live.offer(alert(1));
    live.offer(alert(2));
    expect(slow.sent).toEqual(['1']);
    expect(slow.closed).toContain('not reading fast enough');
  });

  it('sends keep-alives only when live', () => {
    const sink = new RecordingSink();
    const client = new FeedClient({}, sink, 100, 0n, true);
    client.keepAlive();
    client.goLive();
    client.keepAlive();
    expect(sink.comments).toEqual(['keep-alive']);
  });
});
