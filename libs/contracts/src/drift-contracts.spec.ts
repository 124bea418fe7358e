import { describe, expect, it } from 'vitest';
import { driftAlertKey, driftAlertV1 } from './drift-alert.v1';
import { driftDetectorConfigBodyV1 } from './drift-detector-config.v1';
import { DRIFT_METRICS, triggersRerank } from './drift-metric';
import { BUILT_IN_DRIFT_CONFIG, driftConfigKey, resolveDriftConfig, type StoredDriftConfig } from './drift-policy.defaults';
import { parseWith } from './validation-issue';

const alert = {
  alertId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01',
  scope: 'user',
  subject: 'alice',
  domain: 'news',
  metric: 'consumption-entropy',
  detector: 'PageHinkley',
  direction: 'down',
  value: 0.12,
  baseline: 0.83,
  severity: 'critical',
  window: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z', observations: 64 },
  configVersion: 1,
  raisedAt: '2026-01-01T01:00:05Z',
  rerankRequested: true,
};

const issuePaths = (input: unknown): string[] => {
  const parsed = parseWith(driftDetectorConfigBodyV1, input);
  return parsed.ok ? [] : parsed.issues.map((i) => i.path);
};

describe('drift alert v1', () => {
  it('accepts a complete alert and keys it by scope, domain and subject', () => {
    const parsed = driftAlertV1.parse(alert);
    expect(driftAlertKey(parsed)).toBe('user:news:alice');
  });

  it('refuses unknown metrics, detectors and fields, naming them', () => {
    const parsed = parseWith(driftAlertV1, { ...alert, metric: 'vibes', detector: 'Magic', extra: 1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path).sort()).toEqual(['(root)', 'detector', 'metric']);
  });
});

describe('drift detector configuration v1', () => {
  it('fills River defaults: empty params, reference of 20, enabled', () => {
    const parsed = driftDetectorConfigBodyV1.parse({ detector: 'ADWIN', direction: 'down', harmful: true, criticalChange: 0.3 });
    expect(parsed).toEqual({ detector: 'ADWIN', params: {}, direction: 'down', harmful: true, criticalChange: 0.3, referenceSize: 20, enabled: true });
  });

  it("names each bad parameter under params, including River's relations between them", () => {
    expect(issuePaths({ detector: 'ADWIN', params: { delta: 1.5, clock: 0.5, bogus: 1 }, direction: 'up', harmful: true, criticalChange: 1 }).sort()).toEqual([
      'params',
      'params.clock',
      'params.delta',
    ]);
    expect(issuePaths({ detector: 'EDDM', params: { alpha: 0.8, beta: 0.9 }, direction: 'up', harmful: true, criticalChange: 1, binaryThreshold: 0.5 })).toEqual(['params.beta']);
    expect(issuePaths({ detector: 'KSWIN', params: { windowSize: 50 }, direction: 'up', harmful: true, criticalChange: 1 })).toEqual(['params.windowSize']);
    expect(issuePaths({ detector: 'HDDM_W', params: { driftConfidence: 0.01, warningConfidence: 0.005 }, direction: 'up', harmful: true, criticalChange: 1, binaryThreshold: 0 })).toEqual([
      'params.driftConfidence',
    ]);
    expect(issuePaths({ detector: 'PageHinkley', params: { mode: 'sideways', threshold: 0 }, direction: 'up', harmful: true, criticalChange: 1 }).sort()).toEqual([
      'params.mode',
      'params.threshold',
    ]);
  });

  it('requires a threshold and a one-sided direction for the binary detectors, and refuses a threshold for the others', () => {
    expect(issuePaths({ detector: 'DDM', direction: 'both', harmful: true, criticalChange: 1 }).sort()).toEqual(['binaryThreshold', 'direction']);
    expect(issuePaths({ detector: 'CUSUM', direction: 'up', harmful: true, criticalChange: 1, binaryThreshold: 0.5 })).toEqual(['binaryThreshold']);
    expect(issuePaths({ detector: 'Magic', direction: 'up', harmful: true, criticalChange: 1 })).toEqual(['detector']);
    expect(issuePaths({ detector: 'ADWIN', harmful: 'yes', criticalChange: -1 }).sort()).toEqual(['criticalChange', 'direction', 'harmful']);
  });
});

describe('drift metrics', () => {
  it('rerank answers calibration and diversity drift only', () => {
    const rerank = Object.keys(DRIFT_METRICS).filter((m) => triggersRerank(m as keyof typeof DRIFT_METRICS));
    expect(rerank.sort()).toEqual([
      'consumption-entropy',
      'exposure-entropy',
      'exposure-gini',
      'homogenization',
      'mean-consumption-entropy',
      'mean-exposure-entropy',
      'mean-miscalibration',
      'miscalibration',
    ]);
  });
});

describe('drift configuration in force', () => {
  const row = (domain: string, version: number, changeId: number, harmful = true): StoredDriftConfig => ({
    metric: 'exposure-entropy',
    domain,
    version,
    changeId,
    config: { ...BUILT_IN_DRIFT_CONFIG['exposure-entropy'], harmful, criticalChange: version / 10 },
    createdAt: '2026-01-01T00:00:00Z',
  });
  const latest = (...rows: StoredDriftConfig[]) => new Map(rows.map((r) => [driftConfigKey(r.metric, r.domain), r]));

  it('without rows: the built-in configuration, with the built-in domain policy on top', () => {
    expect(resolveDriftConfig('exposure-entropy', 'news', latest())).toMatchObject({ version: 0, changeId: 0, source: 'built-in', config: { harmful: true } });
    expect(resolveDriftConfig('exposure-entropy', 'code', latest())).toMatchObject({ version: 0, source: 'built-in', config: { harmful: false } });
    expect(resolveDriftConfig('polarization', 'movies', latest()).config.harmful).toBe(false);
    expect(resolveDriftConfig('exposure-entropy', 'movies', latest()).config.harmful).toBe(true);
  });

  it('a `*` row replaces the built-in default everywhere, still under the domain policy', () => {
    const rows = latest(row('*', 2, 7));
    expect(resolveDriftConfig('exposure-entropy', 'news', rows)).toMatchObject({ version: 2, changeId: 7, source: 'default', config: { criticalChange: 0.2, harmful: true } });
    expect(resolveDriftConfig('exposure-entropy', 'code', rows)).toMatchObject({ version: 2, source: 'default', config: { criticalChange: 0.2, harmful: false } });
  });

  it("a domain's own row wins over everything, including the built-in domain policy", () => {
    const rows = latest(row('*', 2, 7), row('code', 1, 9, true));
    expect(resolveDriftConfig('exposure-entropy', 'code', rows)).toMatchObject({ version: 1, changeId: 9, source: 'domain', config: { criticalChange: 0.1, harmful: true } });
    expect(resolveDriftConfig('exposure-entropy', 'news', rows).source).toBe('default');
  });

  it('every built-in configuration is valid under the schema the admin API enforces', () => {
    for (const config of Object.values(BUILT_IN_DRIFT_CONFIG)) expect(driftDetectorConfigBodyV1.parse(config)).toEqual(config);
  });
});
