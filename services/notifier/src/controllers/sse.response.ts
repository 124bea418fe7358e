import type { Response } from 'express';
import type { StoredAlert } from '../persistence/alerts.repository';
import type { AlertSink } from '../usecases/alert-feed';

/** Bytes a client may leave unread before it counts as too slow (it is disconnected and resumes by Last-Event-ID). */
const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * Server-Sent Events framing on an Express response (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * each alert is `id: <seq>`, `event: drift-alert`, `data: <the alert JSON on one line>`. The id is what the client's
 * EventSource sends back as `Last-Event-ID` when it reconnects.
 */
export class SseResponse implements AlertSink {
  constructor(private readonly response: Response) {}

  open(retryMs: number): void {
    this.response.status(200);
    this.response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.response.setHeader('Cache-Control', 'no-cache, no-transform');
    this.response.setHeader('Connection', 'keep-alive');
    // Reverse proxies (nginx) must not buffer the stream.
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.response.write(`retry: ${retryMs}\n: connected\n\n`);
  }

  send(alert: StoredAlert): boolean {
    if (!this.writable) return false;
    this.response.write(`id: ${alert.seq}\nevent: drift-alert\ndata: ${alert.body}\n\n`);
    return this.response.writableLength <= MAX_UNREAD_BYTES;
  }

  /**
   * `event: gap` without an id (the client's Last-Event-ID stays its own): alerts after `after`, up to
   * `deletedThrough`, were stored longer ago than NOTIFIER_ALERT_RETENTION_DAYS and may have been deleted; the replay
   * that follows has what is still stored.
   */
  gap(after: bigint, deletedThrough: bigint): void {
    if (!this.writable) return;
    const data = {
      after: after.toString(),
      deletedThrough: deletedThrough.toString(),
      message: 'alerts after your Last-Event-ID up to deletedThrough may have been deleted by retention (NOTIFIER_ALERT_RETENTION_DAYS); the replay that follows has what is still stored',
    };
    this.response.write(`event: gap\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    if (this.writable) this.response.write(`: ${text}\n\n`);
  }

  close(reason: string): void {
    if (!this.writable) return;
    this.response.end(`: closing: ${reason.replace(/\n/g, ' ')}\n\n`);
  }

  private get writable(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }
}
