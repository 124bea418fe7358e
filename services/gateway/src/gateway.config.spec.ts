import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './gateway.config';

const problems = (env: NodeJS.ProcessEnv) => {
  try {
    loadGatewayConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
};

describe('gateway config: the rerank request reconciler and retention', () => {
  it('checks rerank requests against Redis every minute, keeps them 30 days, sweeps 1,000 rows every 10 minutes', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      GATEWAY_RERANK_RECONCILE_MS: 60_000,
      GATEWAY_RERANK_REQUEST_RETENTION_DAYS: 30,
      GATEWAY_RETENTION_INTERVAL_MS: 600_000,
      GATEWAY_RETENTION_BATCH_SIZE: 1_000,
    });
    expect(loadGatewayConfig({ GATEWAY_RERANK_RECONCILE_MS: '50', GATEWAY_RERANK_REQUEST_RETENTION_DAYS: '0' })).toMatchObject({
      GATEWAY_RERANK_RECONCILE_MS: 50,
      GATEWAY_RERANK_REQUEST_RETENTION_DAYS: 0,
    });
  });

  it('names every bad setting with its value and what a good one looks like', () => {
    const found = problems({
      GATEWAY_RERANK_RECONCILE_MS: '10',
      GATEWAY_RERANK_REQUEST_RETENTION_DAYS: 'a month',
      GATEWAY_RETENTION_INTERVAL_MS: 'often',
      GATEWAY_RETENTION_BATCH_SIZE: '0',
    });
    expect(found.map((p) => p.key).sort()).toEqual(['GATEWAY_RERANK_RECONCILE_MS', 'GATEWAY_RERANK_REQUEST_RETENTION_DAYS', 'GATEWAY_RETENTION_BATCH_SIZE', 'GATEWAY_RETENTION_INTERVAL_MS']);
    expect(found.find((p) => p.key === 'GATEWAY_RERANK_RECONCILE_MS')).toMatchObject({ value: '"10"', expected: expect.stringContaining('50') });
    expect(found.find((p) => p.key === 'GATEWAY_RERANK_REQUEST_RETENTION_DAYS')!.expected).toBe('expected whole days in [0, 3650], e.g. "30"; 0 keeps the rows forever');
    for (const bad of ['', '1.5', '-1', '86400001', 'NaN']) {
      expect(problems({ GATEWAY_RERANK_RECONCILE_MS: bad }).map((p) => p.key), bad).toEqual(['GATEWAY_RERANK_RECONCILE_MS']);
    }
  });
});

describe('gateway config', () => {
  it('defaults: port 3000, calibrated serving for a day, a 5 s produce deadline, 5mb bodies', () => {
    const config = loadGatewayConfig({});
    expect([config.GATEWAY_PORT, config.SERVING_POLICY, config.CALIBRATED_LIST_MAX_AGE_SECONDS, config.GATEWAY_PRODUCE_TIMEOUT_MS, config.GATEWAY_BODY_LIMIT]).toEqual([
      3000,
      'calibrated',
      86_400,
      5_000,
      '5mb',
    ]);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadGatewayConfig({ GATEWAY_BODY_LIMIT: '5 megabytes', SERVING_POLICY: 'popular', GATEWAY_PRODUCE_TIMEOUT_MS: '10' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['GATEWAY_BODY_LIMIT', 'GATEWAY_PRODUCE_TIMEOUT_MS', 'SERVING_POLICY']);
  });
});
