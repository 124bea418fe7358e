import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './gateway.config';

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
