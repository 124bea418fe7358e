import { Client } from 'pg';
import type { ContextLogger } from '../logging/json-logger';

/**
 * One dedicated connection that LISTENs on a Postgres channel (pooled connections cannot hold a LISTEN). Postgres
 * delivers a NOTIFY only after its transaction commits, in commit order, to every listening connection — which is
 * what lets any number of processes follow rows another process commits.
 *
 * Notifications sent while the connection is down are lost, so after every (re)connect `onConnected` runs: the
 * listener's owner catches up from the table itself. Reconnects back off up to 5 s.
 */
export class PostgresListener {
  private client?: Client;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private attempt = 0;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onConnected: () => void,
    private readonly log: ContextLogger,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`channel "${channel}" must be a lowercase SQL identifier`);
  }

  /** Resolves once LISTEN is active (the first time); later reconnects happen in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: `chorus-listen-${this.channel}` });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotify(message.payload ?? '');
    });
    const lost = (reason: string) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.log.warn('LISTEN connection lost; reconnecting', { channel: this.channel, reason });
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
    this.onConnected();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(5_000, 100 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch((error: Error) => {
        this.log.warn('LISTEN reconnect failed; retrying', { channel: this.channel, error: error.message });
        this.scheduleReconnect();
      });
    }, delay);
  }
}
