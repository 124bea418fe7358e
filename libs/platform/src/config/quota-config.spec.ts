import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config.error';
import { loadConfig, quotaConfigShape, sharedConfigShape } from './load-config';

const schema = z.object({ ...sharedConfigShape, ...quotaConfigShape });

describe('quota and metrics access settings', () => {
  it('default to a public /metrics, a 60 s window and 600 key lookups per address', () => {
    const config = loadConfig(schema, {});
    expect(config.METRICS_SCOPE).toBeUndefined();
    expect(config.QUOTA_WINDOW_SECONDS).toBe(60);
    expect(config.QUOTA_KEY_LOOKUPS_PER_ADDRESS).toBe(600);
    expect(loadConfig(schema, { METRICS_SCOPE: '' }).METRICS_SCOPE).toBeUndefined();
    expect(loadConfig(schema, { METRICS_SCOPE: 'admin' }).METRICS_SCOPE).toBe('admin');
  });

  it('name every bad value at boot', () => {
    let error: unknown;
    try {
      loadConfig(schema, { METRICS_SCOPE: 'root', QUOTA_WINDOW_SECONDS: '0', QUOTA_KEY_LOOKUPS_PER_ADDRESS: '1.5', QUOTA_REDIS_PREFIX: 'a b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['METRICS_SCOPE', 'QUOTA_KEY_LOOKUPS_PER_ADDRESS', 'QUOTA_REDIS_PREFIX', 'QUOTA_WINDOW_SECONDS']);
    expect((error as ConfigError).message).toContain('expected one of ingest, read, admin, subscriber');
  });
});
