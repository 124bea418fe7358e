import type { TopicKey, DriftAlertQueryV1, DriftDetectorConfigBodyV1, DriftMetricName, DriftSegmentSeriesQueryV1, DriftSeriesQueryV1, ItemV1 } from '@chorus/contracts';
import type { Message } from 'kafkajs';
import { NEVER, of, throwError, type Observable } from 'rxjs';
import type { StoredCalibratedList } from '../persistence/calibrated-lists.repository';
import type { StoredDriftAlert } from '../persistence/drift-alerts.repository';
import type { DriftConfigVersion } from '../persistence/drift-config.repository';
import type { DriftSegmentSeriesPoint, DriftSegmentSummary } from '../persistence/drift-segments.repository';
import type { PopulationSeriesPoint, UserSeriesPoint } from '../persistence/drift-series.repository';
import type { StoredItem } from '../persistence/items.repository';
import type {
  CalibratedListsPort,
  DriftAlertsPort,
  DriftConfigPort,
  DriftSegmentsPort,
  DriftSeriesPort,
  EventProducer,
  ItemsPort,
} from '../usecases/ports';

// In-memory implementations of the gateway's ports for unit specs of its use cases and controllers. They keep what
// they are given and record what they are asked, so a spec states its expectations as literals; the SQL behind the
// real ports is the middle tier's (persistence/*.pg-spec.ts).

/** Records every emit (its pattern, the topic key, and messages); `fail` makes the next emits error (a broker that does not acknowledge). */
export class RecordingProducer implements EventProducer {
  readonly sent: { topic: TopicKey; messages: readonly Message[] }[] = [];
  fail: Error | undefined;
  /** An emit that never settles (a broker that never answers). */
  hang = false;

  emit(pattern: TopicKey, messages: readonly Message[]): Observable<unknown> {
    if (this.hang) return NEVER;
    if (this.fail) return throwError(() => this.fail);
    this.sent.push({ topic: pattern, messages });
    return of(undefined);
  }

  /** The values sent, parsed, in order. */
  values(): unknown[] {
    return this.sent.flatMap((s) => s.messages.map((m) => JSON.parse(String(m.value))));
  }
}

export class InMemoryItems implements ItemsPort {
  readonly items = new Map<string, StoredItem>();
  readonly upserts: ItemV1[][] = [];

  async upsert(items: ItemV1[]): Promise<Map<string, number>> {
    this.upserts.push(items);
    const versions = new Map<string, number>();
    for (const item of items) {
      const version = (this.items.get(item.itemId)?.version ?? 0) + 1;
      this.items.set(item.itemId, { ...item, version, updatedAt: '2026-01-01T00:00:00.000Z' });
      versions.set(item.itemId, version);
    }
    return versions;
  }

  async find(itemId: string): Promise<StoredItem | undefined> {
    return this.items.get(itemId);
  }
}

export class InMemoryCalibratedLists implements CalibratedListsPort {
  readonly lists = new Map<string, StoredCalibratedList>();

  async latest(userId: string, domain: string): Promise<StoredCalibratedList | undefined> {
    return this.lists.get(`${userId}/${domain}`);
  }
}

/** Alerts in the order given (newest first, as the SQL sorts); records the queries it answered. */
export class InMemoryDriftAlerts implements DriftAlertsPort {
  readonly queries: { query: Omit<DriftAlertQueryV1, 'cursor'>; after?: { raisedAt: string; alertId: string } }[] = [];
  readonly acknowledgements: { alertId: string; by: string; note: string | undefined }[] = [];

  constructor(readonly alerts: StoredDriftAlert[] = []) {}

  async list(query: Omit<DriftAlertQueryV1, 'cursor'>, after?: { raisedAt: string; alertId: string }): Promise<{ alerts: StoredDriftAlert[]; more: boolean }> {
    this.queries.push(after ? { query, after } : { query });
    const start = after ? this.alerts.findIndex((a) => a.alertId === after.alertId) + 1 : 0;
    const rest = this.alerts.slice(start);
    return { alerts: rest.slice(0, query.limit), more: rest.length > query.limit };
  }

  async find(alertId: string): Promise<StoredDriftAlert | undefined> {
    return this.alerts.find((a) => a.alertId === alertId);
  }

  async acknowledge(alertId: string, by: string, note: string | undefined): Promise<StoredDriftAlert | undefined> {
    const alert = this.alerts.find((a) => a.alertId === alertId);
    if (!alert) return undefined;
    this.acknowledgements.push({ alertId, by, note });
    if (alert.acknowledgedAt === null) Object.assign(alert, { acknowledgedAt: '2026-01-02T00:00:00.000Z', acknowledgedBy: by, acknowledgedNote: note ?? null });
    return alert;
  }
}

export class InMemoryDriftSeries implements DriftSeriesPort {
  readonly userQueries: { userId: string; query: DriftSeriesQueryV1 }[] = [];
  readonly populationQueries: DriftSeriesQueryV1[] = [];

  constructor(
    private readonly userPoints: UserSeriesPoint[] = [],
    private readonly populationPoints: PopulationSeriesPoint[] = [],
  ) {}

  async user(userId: string, query: DriftSeriesQueryV1): Promise<UserSeriesPoint[]> {
    this.userQueries.push({ userId, query });
    return this.userPoints;
  }

  async population(query: DriftSeriesQueryV1): Promise<PopulationSeriesPoint[]> {
    this.populationQueries.push(query);
    return this.populationPoints;
  }
}

export class InMemoryDriftConfigs implements DriftConfigPort {
  readonly rows: DriftConfigVersion[] = [];
  private changeId = 0;

  async latest(): Promise<DriftConfigVersion[]> {
    const latest = new Map<string, DriftConfigVersion>();
    for (const row of this.rows) {
      const key = `${row.metric}/${row.domain}`;
      if ((latest.get(key)?.version ?? 0) < row.version) latest.set(key, row);
    }
    return [...latest.values()];
  }

  async versions(metric: DriftMetricName, domain: string): Promise<DriftConfigVersion[]> {
    return this.rows.filter((r) => r.metric === metric && r.domain === domain).sort((a, b) => b.version - a.version);
  }

  async append(metric: DriftMetricName, domain: string, config: DriftDetectorConfigBodyV1, createdBy: string): Promise<DriftConfigVersion> {
    const version = (await this.versions(metric, domain)).length + 1;
    const row = { metric, domain, version, changeId: ++this.changeId, config, createdAt: '2026-01-03T00:00:00.000Z', createdBy };
    this.rows.push(row);
    return row;
  }
}

export class InMemoryDriftSegments implements DriftSegmentsPort {
  readonly segments = new Map<string, { summary: DriftSegmentSummary; userIds: string[] }>();
  readonly seriesQueries: DriftSegmentSeriesQueryV1[] = [];

  constructor(private readonly points: DriftSegmentSeriesPoint[] = []) {}

  async replace(domain: string, name: string, userIds: readonly string[], by: string): Promise<DriftSegmentSummary> {
    const previous = this.segments.get(`${domain}/${name}`)?.summary;
    const summary: DriftSegmentSummary = {
      domain,
      name,
      version: (previous?.version ?? 0) + 1,
      changeId: (previous?.changeId ?? 0) + 1,
      members: userIds.length,
      createdAt: previous?.createdAt ?? '2026-01-01T00:00:00.000Z',
      createdBy: previous?.createdBy ?? by,
      updatedAt: '2026-01-01T00:00:00.000Z',
      updatedBy: by,
    };
    this.segments.set(`${domain}/${name}`, { summary, userIds: [...userIds] });
    return summary;
  }

  async list(domain: string | undefined): Promise<DriftSegmentSummary[]> {
    return [...this.segments.values()].map((s) => s.summary).filter((s) => domain === undefined || s.domain === domain);
  }

  async find(domain: string, name: string): Promise<DriftSegmentSummary | undefined> {
    return this.segments.get(`${domain}/${name}`)?.summary;
  }

  async members(domain: string, name: string, limit: number, after: string | undefined): Promise<string[]> {
    const ids = this.segments.get(`${domain}/${name}`)?.userIds ?? [];
    return ids.filter((id) => after === undefined || id > after).slice(0, limit);
  }

  async delete(domain: string, name: string): Promise<boolean> {
    return this.segments.delete(`${domain}/${name}`);
  }

  async series(_domain: string, _name: string, query: DriftSegmentSeriesQueryV1): Promise<DriftSegmentSeriesPoint[]> {
    this.seriesQueries.push(query);
    return this.points;
  }
}
