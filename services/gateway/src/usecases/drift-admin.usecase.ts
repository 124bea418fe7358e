import {
  DRIFT_METRIC_NAMES,
  driftAlertAckV1,
  driftAlertQueryV1,
  driftConfigDomain,
  driftConfigKey,
  driftDetectorConfigBodyV1,
  driftMetricName,
  driftSeriesQueryV1,
  externalId,
  parseWith,
  resolveDriftConfig,
  uuid,
  type DriftMetricName,
  type EffectiveDriftConfig,
} from '@chorus/contracts';
import { createDetector, DriftInputError } from '@chorus/drift';
import { DomainError } from '@chorus/platform';
import type { StoredDriftAlert } from '../persistence/drift-alerts.repository';
import type { DriftConfigVersion } from '../persistence/drift-config.repository';
import { parseRequest } from './parse-request';
import type { DriftAlertsPort, DriftConfigPort, DriftSeriesPort } from './ports';

const parse = parseRequest;

/**
 * The drift admin API (DESIGN §5): alerts (list, filter, acknowledge), metric series, and the versioned detector
 * configuration. Every input is validated with the contracts' schemas; errors name the field.
 */
export class DriftAdminUseCase {
  constructor(
    private readonly alerts: DriftAlertsPort,
    private readonly series: DriftSeriesPort,
    private readonly configs: DriftConfigPort,
  ) {}

  async listAlerts(rawQuery: unknown): Promise<{ items: StoredDriftAlert[]; nextCursor: string | null }> {
    const { cursor, ...query } = parse(driftAlertQueryV1, rawQuery, 'the query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { alerts, more } = await this.alerts.list(query, after);
    const last = alerts[alerts.length - 1];
    return { items: alerts, nextCursor: more && last ? encodeCursor(last.raisedAt, last.alertId) : null };
  }

  async getAlert(id: string): Promise<StoredDriftAlert> {
    const alertId = parse(uuid, id, 'the alert id in the path', 'id');
    const alert = await this.alerts.find(alertId);
    if (!alert) throw new DomainError('DRIFT.ALERT_NOT_FOUND', `no drift alert "${alertId}"; list alerts with GET /v1/admin/drift/alerts`);
    return alert;
  }

  async acknowledge(id: string, body: unknown, by: string): Promise<StoredDriftAlert> {
    const alertId = parse(uuid, id, 'the alert id in the path', 'id');
    const { note } = parse(driftAlertAckV1, body ?? {}, 'the body');
    const alert = await this.alerts.acknowledge(alertId, by, note);
    if (!alert) throw new DomainError('DRIFT.ALERT_NOT_FOUND', `no drift alert "${alertId}"; list alerts with GET /v1/admin/drift/alerts`);
    return alert;
  }

  async userSeries(userId: string, rawQuery: unknown) {
    const user = parse(externalId, userId, 'the user id in the path', 'userId');
    const query = parse(driftSeriesQueryV1, rawQuery, 'the query');
    return { userId: user, domain: query.domain, points: await this.series.user(user, query) };
  }

  async populationSeries(rawQuery: unknown) {
    const query = parse(driftSeriesQueryV1, rawQuery, 'the query');
    return { domain: query.domain, points: await this.series.population(query) };
  }

  /** The configuration in force for every metric in a domain (`*` shows the defaults), and where each comes from. */
  async effectiveConfigs(rawDomain: unknown): Promise<{ domain: string; metrics: EffectiveDriftConfig[] }> {
    if (rawDomain === undefined) throw new DomainError('REQUEST.INVALID', 'query parameter "domain" is required, e.g. ?domain=news (or * for the defaults)', [{ path: 'domain', message: 'required' }]);
    const domain = parse(driftConfigDomain, rawDomain, 'the query', 'domain');
    const latest = await this.latestMap();
    return { domain, metrics: DRIFT_METRIC_NAMES.map((metric) => resolveDriftConfig(metric, domain, latest)) };
  }

  async configHistory(rawDomain: string, rawMetric: string): Promise<{ effective: EffectiveDriftConfig; versions: DriftConfigVersion[] }> {
    const { domain, metric } = this.key(rawDomain, rawMetric);
    const [latest, versions] = await Promise.all([this.latestMap(), this.configs.versions(metric, domain)]);
    return { effective: resolveDriftConfig(metric, domain, latest), versions };
  }

  /**
   * A new version of a metric's detector configuration in a domain. The schema checks the River parameters field by
   * field; the detector is then built once with them, so anything the library refuses is refused here too.
   */
  async changeConfig(rawDomain: string, rawMetric: string, body: unknown, by: string): Promise<DriftConfigVersion> {
    const { domain, metric } = this.key(rawDomain, rawMetric);
    const config = parse(driftDetectorConfigBodyV1, body, 'the detector configuration');
    try {
      createDetector(config.detector, config.params);
    } catch (error) {
      if (error instanceof DriftInputError) throw new DomainError('REQUEST.INVALID', 'the detector refuses these parameters', [{ path: 'params', message: error.message }]);
      throw error;
    }
    return this.configs.append(metric, domain, config, by);
  }

  private key(rawDomain: string, rawMetric: string): { domain: string; metric: DriftMetricName } {
    const domain = parseWith(driftConfigDomain, rawDomain, 'domain');
    const metric = parseWith(driftMetricName, rawMetric, 'metric');
    const issues = [...(domain.ok ? [] : domain.issues), ...(metric.ok ? [] : metric.issues)];
    if (!domain.ok || !metric.ok) throw new DomainError('REQUEST.INVALID', 'the domain or metric in the path is not valid', issues);
    return { domain: domain.value, metric: metric.value };
  }

  private async latestMap() {
    return new Map((await this.configs.latest()).map((row) => [driftConfigKey(row.metric, row.domain), row]));
  }
}

function encodeCursor(raisedAt: string, alertId: string): string {
  return Buffer.from(JSON.stringify([raisedAt, alertId])).toString('base64url');
}

function decodeCursor(cursor: string): { raisedAt: string; alertId: string } {
  try {
    const [raisedAt, alertId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof raisedAt === 'string' && !Number.isNaN(Date.parse(raisedAt)) && typeof alertId === 'string' && uuid.safeParse(alertId).success) return { raisedAt, alertId };
  } catch {
    // fall through to the error below
  }
  throw new DomainError('REQUEST.INVALID', 'cursor is not one this API returned; pass nextCursor from the previous page unchanged', [{ path: 'cursor', message: 'not a valid page cursor' }]);
}
