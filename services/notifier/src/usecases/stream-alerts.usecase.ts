import { ALERT_FILTER_FIELDS, alertFiltersV1, parseWith, type AlertFiltersV1, type ValidationIssue } from '@chorus/contracts';
import { DomainError } from '@chorus/platform';
import { FeedClient, type AlertFeed, type AlertSink } from './alert-feed';
import type { AlertsReadPort } from './ports';

const REPLAY_PAGE = 500;

/**
 * GET /v1/alerts/stream: the alerts matching the filters, as they are stored. With a cursor (`Last-Event-ID`, the seq
 * of the last alert the client got) it first replays every stored alert after it, then continues live with no gap
 * and no duplicate: the client joins the live feed (buffering) BEFORE the replay reads the store, so an alert stored
 * during the replay is either in the replay or in the buffer — the cursor drops it from the other. Without a cursor
 * the stream starts with the next alert stored.
 */
export class StreamAlertsUseCase {
  constructor(
    private readonly alerts: AlertsReadPort,
    private readonly feed: AlertFeed,
    private readonly maxBuffered: number,
  ) {}

  /** Parse query parameters (`?severities=critical&domains=movies,news&subjects=u1&subjects=u2`) into filters, naming bad ones. */
  parseFilters(query: Record<string, unknown>): AlertFiltersV1 {
    const raw: Record<string, string[]> = {};
    const issues: ValidationIssue[] = [];
    for (const [name, value] of Object.entries(query)) {
      if (name === 'lastEventId') continue;
      if (!(ALERT_FILTER_FIELDS as readonly string[]).includes(name)) {
        issues.push({ path: name, message: `unknown filter; use ${ALERT_FILTER_FIELDS.join(', ')} (comma-separated or repeated) or lastEventId` });
        continue;
      }
      // Subjects (user ids, segment names) may contain commas: they are given by repeating the parameter only.
      const values = (Array.isArray(value) ? value : [value])
        .flatMap((v) => (name === 'subjects' ? [String(v)] : String(v).split(',')))
        .map((v) => v.trim())
        .filter(Boolean);
      raw[name] = values;
    }
    const parsed = parseWith(alertFiltersV1, raw);
    if (!parsed.ok) issues.push(...parsed.issues);
    if (issues.length > 0 || !parsed.ok) throw new DomainError('REQUEST.INVALID', `${issues.length} invalid stream parameter(s); fix them and reconnect`, issues);
    return parsed.value;
  }

  /** The cursor from `Last-Event-ID` (preferred: browsers send it on reconnect) or `?lastEventId=`. */
  parseCursor(header: unknown, query: unknown): bigint | undefined {
    const value = typeof header === 'string' && header !== '' ? header : typeof query === 'string' && query !== '' ? query : undefined;
    if (value === undefined) return undefined;
    if (!/^\d{1,19}$/.test(value.trim())) {
      throw new DomainError('REQUEST.INVALID', 'Last-Event-ID must be the id of an event this stream sent (a non-negative integer)', [{ path: 'Last-Event-ID', message: 'expected a non-negative integer' }]);
    }
    return BigInt(value.trim());
  }

  /** Start streaming into `sink`; resolves when the replay is done and the client is live. Call `close` to stop. */
  async open(filters: AlertFiltersV1, cursor: bigint | undefined, sink: AlertSink): Promise<FeedClient> {
    if (cursor === undefined) {
      const client = new FeedClient(filters, sink, this.maxBuffered, this.feed.position, false);
      this.feed.join(client);
      return client;
    }
    const client = new FeedClient(filters, sink, this.maxBuffered, cursor, true);
    this.feed.join(client);
    try {
      // Before the replay: a cursor below what retention deleted means the replay cannot be complete.
      const deletedThrough = await this.alerts.deletedThrough();
      if (deletedThrough !== null && cursor < BigInt(deletedThrough)) sink.gap(cursor, BigInt(deletedThrough));
      for (;;) {
        const page = await this.alerts.after(client.cursor.toString(), filters, REPLAY_PAGE);
        for (const alert of page) client.replayed(alert);
        if (client.closed) return client;
        if (page.length < REPLAY_PAGE) break;
      }
      client.goLive();
      return client;
    } catch (error) {
      this.close(client, 'the replay failed; reconnect with Last-Event-ID');
      throw error;
    }
  }

  close(client: FeedClient, reason: string): void {
    this.feed.leave(client);
    client.close(reason);
  }
}
