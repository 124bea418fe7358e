import { alertMatchesFilters, type AlertFiltersV1 } from '@chorus/contracts';
import type { ContextLogger } from '@chorus/platform';
import type { StoredAlert } from '../persistence/alerts.repository';
import type { AlertsReadPort } from './ports';

/** Where a stream client's alerts go (the SSE response, in production). */
export interface AlertSink {
  /** Write one alert; false when the client cannot keep up (its socket buffer is full) and must be dropped. */
  send(alert: StoredAlert): boolean;
  /** Write a comment line (keep-alive). */
  comment(text: string): void;
  /** Tell the client that alerts after its cursor, up to `deletedThrough`, may have been deleted by retention. */
  gap(after: bigint, deletedThrough: bigint): void;
  /** End the stream (the client may reconnect with Last-Event-ID). */
  close(reason: string): void;
}

/**
 * One connected stream: while it replays stored alerts it buffers live ones; then it drains the buffer, skipping
 * what the replay already sent, and passes live alerts straight through. `cursor` is the last seq sent.
 */
export class FeedClient {
  private buffer: StoredAlert[] = [];
  private replaying: boolean;
  closed = false;

  constructor(
    readonly filters: AlertFiltersV1,
    private readonly sink: AlertSink,
    private readonly maxBuffered: number,
    public cursor: bigint,
    replaying: boolean,
  ) {
    this.replaying = replaying;
  }

  /** An alert the feed read from the store (every alert, in seq order). */
  offer(alert: StoredAlert): void {
    if (this.closed) return;
    if (this.replaying) {
      if (this.buffer.length >= this.maxBuffered) return this.close(`more than ${this.maxBuffered} alerts arrived during the replay; reconnect with Last-Event-ID`);
      this.buffer.push(alert);
      return;
    }
    this.deliver(alert);
  }

  /** A replayed alert (already filtered in SQL). */
  replayed(alert: StoredAlert): void {
    if (this.closed) return;
    if (!this.sink.send(alert)) return this.close('the client is not reading fast enough; reconnect with Last-Event-ID');
    this.cursor = BigInt(alert.seq);
  }

  /** The replay reached the end of the store: drain what arrived meanwhile, then go live. */
  goLive(): void {
    const buffered = this.buffer;
    this.buffer = [];
    this.replaying = false;
    for (const alert of buffered) this.deliver(alert);
  }

  keepAlive(): void {
    if (!this.closed && !this.replaying) this.sink.comment('keep-alive');
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.sink.close(reason);
  }

  private deliver(alert: StoredAlert): void {
    const seq = BigInt(alert.seq);
    if (seq <= this.cursor) return;
    if (alertMatchesFilters(this.filters, alert)) {
      if (!this.sink.send(alert)) return this.close('the client is not reading fast enough; reconnect with Last-Event-ID');
    }
    this.cursor = seq;
  }
}

/**
 * Follows `notifier_alerts` for every stream client of this process: one LISTEN (a NOTIFY after each commit of new
 * alerts, from whichever notifier consumer stored them) wakes it, and it reads everything after the last seq it saw,
 * in seq order, once for all clients. A timer polls as well, in case a notification was lost while the LISTEN
 * connection was down. Because seq order is commit order (see AlertsRepository), "everything after the last seq"
 * never skips an alert.
 */
export class AlertFeed {
  private readonly clients = new Set<FeedClient>();
  private lastSeq = 0n;
  private ready = false;
  private draining: Promise<void> | undefined;
  private again = false;
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    private readonly alerts: AlertsReadPort,
    private readonly options: { pollMs: number; heartbeatMs: number },
    private readonly log: ContextLogger,
  ) {}

  /** Call after LISTEN is active, so no commit falls between the starting point and the first notification. */
  async start(): Promise<void> {
    this.lastSeq = BigInt(await this.alerts.maxSeq());
    this.ready = true;
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs);
    this.heartbeatTimer = setInterval(() => {
      for (const client of this.clients) client.keepAlive();
    }, this.options.heartbeatMs);
    this.wake();
  }

  async stop(): Promise<void> {
    this.ready = false;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const client of this.clients) client.close('the server is shutting down; reconnect with Last-Event-ID');
    this.clients.clear();
    await this.draining;
  }

  get connected(): number {
    return this.clients.size;
  }

  /** The newest seq the feed has passed to its clients: a client starting "from now" starts here. */
  get position(): bigint {
    return this.lastSeq;
  }

  join(client: FeedClient): void {
    this.clients.add(client);
  }

  leave(client: FeedClient): void {
    this.clients.delete(client);
  }

  /** New alerts may exist (a NOTIFY, the poll timer, a reconnect). Coalesces: one drain at a time. */
  wake(): void {
    if (!this.ready) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: Error) => this.log.warn('reading new alerts failed; the next notification or poll retries', { error: error.message }))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const rows = await this.alerts.allAfter(this.lastSeq.toString(), 500);
      for (const row of rows) {
        this.lastSeq = BigInt(row.seq);
        for (const client of this.clients) client.offer(row);
      }
      if (rows.length < 500) return;
    }
  }
}
