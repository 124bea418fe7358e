import type { AlertFiltersV1, DeadLetterV1 } from '@chorus/contracts';
import { alertMatchesFilters } from '@chorus/contracts';
import { JsonLogger, WebhookRequestError, type WebhookResponse } from '@chorus/platform';
import type { IncomingAlert, StoreOutcome, StoredAlert } from '../persistence/alerts.repository';
import type { AttemptRecord, DeliveryLogEntry, DeliveryStatus, DeliveryTarget } from '../persistence/deliveries.repository';
import type { NewSubscription, SealedSecrets, SubscriptionChanges, SubscriptionView } from '../persistence/subscriptions.repository';
import type { DeliveryJobRef } from '../processors/webhook-delivery.queue';
import type { AlertsReadPort, AlertsStorePort, DeliveriesPort, DeliveryQueuePort, SubscriptionsPort, WebhookPoster } from '../usecases/ports';

// In-memory implementations of the notifier's ports for unit specs of its use cases and controllers. They keep what
// they are given and record what they are asked; the SQL behind the real ports is the middle tier's
// (persistence/*.pg-spec.ts).

/** A real JsonLogger whose lines are kept (parsed) instead of printed. */
export function recordingLogger(): { lines: { level: string; message: string; [field: string]: unknown }[]; logger: JsonLogger } {
  const lines: { level: string; message: string }[] = [];
  return { lines, logger: new JsonLogger('notifier-test', 'debug', (line) => lines.push(JSON.parse(line) as { level: string; message: string })) };
}

export class InMemorySubscriptions implements SubscriptionsPort {
  readonly rows = new Map<string, { owner: string; view: SubscriptionView; secret: string; previousSecret: string | null; graceSeconds: number }>();

  async create(s: NewSubscription): Promise<SubscriptionView> {
    const view: SubscriptionView = {
      id: s.id,
      description: s.description,
      url: s.url,
      active: s.active,
      filters: { scopes: [], metrics: [], severities: [], domains: [], subjects: [], ...s.filters },
      previousSecretExpiresAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    this.rows.set(s.id, { owner: s.ownerKeyId, view, secret: s.secret, previousSecret: null, graceSeconds: 0 });
    return view;
  }

  async countByOwner(owner: string): Promise<number> {
    return [...this.rows.values()].filter((r) => r.owner === owner).length;
  }

  async list(owner: string): Promise<SubscriptionView[]> {
    return [...this.rows.values()].filter((r) => r.owner === owner).map((r) => r.view);
  }

  async find(owner: string, id: string): Promise<SubscriptionView | undefined> {
    const row = this.rows.get(id);
    return row?.owner === owner ? row.view : undefined;
  }

  async update(owner: string, id: string, changes: SubscriptionChanges): Promise<SubscriptionView | undefined> {
    const row = this.rows.get(id);
    if (row?.owner !== owner) return undefined;
    const { secret, filters, ...plain } = changes;
    for (const [key, value] of Object.entries(plain)) if (value !== undefined) Object.assign(row.view, { [key]: value });
    if (filters) row.view.filters = { scopes: [], metrics: [], severities: [], domains: [], subjects: [], ...filters };
    if (secret) {
      row.previousSecret = secret.graceSeconds > 0 ? row.secret : null;
      row.graceSeconds = secret.graceSeconds;
      row.secret = secret.sealed;
      row.view.previousSecretExpiresAt = secret.graceSeconds > 0 ? `+${secret.graceSeconds}s` : null;
    }
    return row.view;
  }

  async delete(owner: string, id: string): Promise<boolean> {
    return this.rows.get(id)?.owner === owner && this.rows.delete(id);
  }

  async sealedSecrets(afterId: string, limit: number): Promise<SealedSecrets[]> {
    return [...this.rows.entries()]
      .filter(([id]) => id > afterId)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([id, r]) => ({ id, secret: r.secret, previousSecret: r.previousSecret }));
  }

  async reseal(id: string, column: 'secret' | 'previous_secret', from: string, to: string): Promise<boolean> {
    const row = this.rows.get(id);
    const field = column === 'secret' ? 'secret' : 'previousSecret';
    if (!row || row[field] !== from) return false;
    row[field] = to;
    return true;
  }
}

/** Deliveries by id: targets the spec sets up, attempts and outbox marks it can read back. */
export class InMemoryDeliveries implements DeliveriesPort {
  readonly targets = new Map<string, DeliveryTarget>();
  readonly attempts: { deliveryId: string; record: AttemptRecord }[] = [];
  readonly pings: { id: string; subscriptionId: string; body: string; maxAttempts: number }[] = [];
  readonly enqueued = new Set<string>();
  /** Open deliveries with their job id, in id order (the outbox's view). */
  readonly open = new Map<string, string>();
  /** Ids the outbox query returns (committed longer ago than the grace), in order. */
  stranded: { id: string; jobId: string }[] = [];
  logEntries: DeliveryLogEntry[] = [];
  readonly logQueries: { subscriptionId: string; query: { limit: number; before?: string; status?: DeliveryStatus } }[] = [];

  async createPing(id: string, subscriptionId: string, body: string, maxAttempts: number): Promise<{ id: string; jobId: string }> {
    this.pings.push({ id, subscriptionId, body, maxAttempts });
    this.open.set(id, `ping.${id}`);
    return { id, jobId: `ping.${id}` };
  }

  async markEnqueued(ids: string[]): Promise<void> {
    for (const id of ids) this.enqueued.add(id);
    this.stranded = this.stranded.filter((d) => !ids.includes(d.id));
  }

  async unenqueued(_olderThanMs: number, limit: number): Promise<{ id: string; jobId: string }[]> {
    return this.stranded.slice(0, limit);
  }

  async enqueuedOpen(limit: number, afterId?: string): Promise<{ id: string; jobId: string }[]> {
    return [...this.open.entries()]
      .filter(([id]) => this.enqueued.has(id) && (afterId === undefined || id > afterId))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([id, jobId]) => ({ id, jobId }));
  }

  async markUnenqueued(ids: string[]): Promise<void> {
    for (const id of ids) {
      this.enqueued.delete(id);
      this.stranded.push({ id, jobId: this.open.get(id)! });
    }
  }

  async target(deliveryId: string): Promise<DeliveryTarget | undefined> {
    return this.targets.get(deliveryId);
  }

  async recordAttempt(deliveryId: string, record: AttemptRecord): Promise<boolean> {
    this.attempts.push({ deliveryId, record });
    const target = this.targets.get(deliveryId);
    if (target) target.status = record.outcome;
    return true;
  }

  async log(subscriptionId: string, query: { limit: number; before?: string; status?: DeliveryStatus }): Promise<DeliveryLogEntry[]> {
    this.logQueries.push({ subscriptionId, query });
    return this.logEntries.slice(0, query.limit);
  }
}

export class RecordingQueue implements DeliveryQueuePort {
  readonly batches: DeliveryJobRef[][] = [];
  /** Job ids Redis "lost": unknownJobs reports them. */
  readonly lost = new Set<string>();

  async enqueue(jobs: DeliveryJobRef[]): Promise<void> {
    this.batches.push(jobs);
    for (const job of jobs) this.lost.delete(job.jobId);
  }

  async unknownJobs(jobIds: readonly string[]): Promise<Set<string>> {
    return new Set(jobIds.filter((id) => this.lost.has(id)));
  }
}

/** Answers each POST with the next scripted response (a status, or a WebhookRequestError), recording the requests. */
export class ScriptedPoster implements WebhookPoster {
  readonly requests: { url: string; body: string; headers: Record<string, string> }[] = [];

  constructor(private readonly script: (WebhookResponse | WebhookRequestError | Error)[]) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<WebhookResponse> {
    this.requests.push({ url, body, headers });
    const next = this.script.shift();
    if (!next) throw new Error('ScriptedPoster: no response scripted for this request');
    if (next instanceof Error) throw next;
    return next;
  }
}

/** Alerts kept in seq order; `storeAndMatch` stores new ids and reports what the spec set as deliveries. */
export class InMemoryAlerts implements AlertsStorePort, AlertsReadPort {
  readonly alerts: StoredAlert[] = [];
  readonly stores: { alerts: IncomingAlert[]; maxAttempts: number }[] = [];
  /** Dead letters committed with the alerts. */
  readonly letters: DeadLetterV1[] = [];
  deletedThroughSeq: string | null = null;
  /** Makes `after` fail (a lost database connection during a replay). */
  failReplay: Error | undefined;

  add(alert: StoredAlert): void {
    this.alerts.push(alert);
  }

  async storeAndMatch(incoming: IncomingAlert[], maxAttempts: number, deadLetters: readonly DeadLetterV1[] = []): Promise<StoreOutcome> {
    this.letters.push(...deadLetters);
    this.stores.push({ alerts: incoming, maxAttempts });
    const stored: StoredAlert[] = [];
    for (const { alert, body } of incoming) {
      if (this.alerts.some((a) => a.alertId === alert.alertId)) continue;
      const seq = String(this.alerts.length + 1);
      const row = { seq, alertId: alert.alertId, scope: alert.scope, subject: alert.subject, metric: alert.metric, severity: alert.severity, domain: alert.domain, body };
      this.alerts.push(row);
      stored.push(row);
    }
    return {
      stored,
      duplicates: incoming.length - stored.length,
      deliveries: stored.map((s) => ({ id: `delivery-${s.seq}`, jobId: `alert.sub-1.${s.alertId}`, subscriptionId: 'sub-1', alertId: s.alertId })),
    };
  }

  async deletedThrough(): Promise<string | null> {
    return this.deletedThroughSeq;
  }

  async after(seq: string, filters: AlertFiltersV1, limit: number): Promise<StoredAlert[]> {
    if (this.failReplay) throw this.failReplay;
    return this.alerts.filter((a) => BigInt(a.seq) > BigInt(seq) && alertMatchesFilters(filters, a)).slice(0, limit);
  }

  async allAfter(seq: string, limit: number): Promise<StoredAlert[]> {
    return this.alerts.filter((a) => BigInt(a.seq) > BigInt(seq)).slice(0, limit);
  }

  async maxSeq(): Promise<string> {
    return this.alerts.at(-1)?.seq ?? '0';
  }
}

/** A transport failure as the HTTP client reports it. */
export const requestError = (message: string, refused = false) => new WebhookRequestError(message, refused, 15);
