import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadNotifierConfig } from './notifier.config';

describe('notifier config', () => {
  it('defaults to every role, safe webhook targets, a development key file and a day of secret grace', () => {
    const config = loadNotifierConfig({});
    expect([...config.NOTIFIER_ROLES]).toEqual(['api', 'consumer', 'worker']);
    expect(config.WEBHOOK_ALLOW_HTTP).toBe(false);
    expect(config.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(config.NOTIFIER_SECRET_ENCRYPTION_KEY).toBe('');
    expect(config.NOTIFIER_DEV_SECRET_KEY_FILE).toBe('.chorus/notifier-secret-encryption.key');
    expect(config.NOTIFIER_SECRET_GRACE_SECONDS).toBe(86_400);
  });

  it('refuses production without an encryption key, saying how to make one', () => {
    let error: unknown;
    try {
      loadNotifierConfig({ NODE_ENV: 'production' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).toEqual(['NOTIFIER_SECRET_ENCRYPTION_KEY']);
    expect((error as ConfigError).message).toContain('required when NODE_ENV=production');
    expect((error as ConfigError).message).toContain(`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadNotifierConfig({ NODE_ENV: 'production', NOTIFIER_SECRET_ENCRYPTION_KEY: key }).NOTIFIER_SECRET_ENCRYPTION_KEY).toBe(key);
  });

  it('parses roles as a set', () => {
    expect([...loadNotifierConfig({ NOTIFIER_ROLES: 'worker, api,worker' }).NOTIFIER_ROLES]).toEqual(['worker', 'api']);
  });

  it('lists every bad key with its value at once', () => {
    let error: unknown;
    try {
      loadNotifierConfig({ NOTIFIER_ROLES: 'api,mailer', NOTIFIER_WEBHOOK_MAX_ATTEMPTS: '0', WEBHOOK_ALLOW_HTTP: 'yes', NOTIFIER_SECRET_ENCRYPTION_KEY: 'c2hvcnQ=' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['NOTIFIER_ROLES', 'NOTIFIER_SECRET_ENCRYPTION_KEY', 'NOTIFIER_WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_ALLOW_HTTP']);
    expect((error as ConfigError).message).toContain('NOTIFIER_ROLES="api,mailer"');
  });

  it('keeps alerts and final deliveries 90 days by default; 0 keeps them forever; bad periods are named', () => {
    expect(loadNotifierConfig({})).toMatchObject({ NOTIFIER_ALERT_RETENTION_DAYS: 90, NOTIFIER_DELIVERY_RETENTION_DAYS: 90, NOTIFIER_RETENTION_INTERVAL_MS: 600_000, NOTIFIER_RETENTION_BATCH_SIZE: 1_000 });
    expect(loadNotifierConfig({ NOTIFIER_ALERT_RETENTION_DAYS: '0', NOTIFIER_DELIVERY_RETENTION_DAYS: '14' })).toMatchObject({ NOTIFIER_ALERT_RETENTION_DAYS: 0, NOTIFIER_DELIVERY_RETENTION_DAYS: 14 });
    const error = (() => {
      try {
        return loadNotifierConfig({ NOTIFIER_ALERT_RETENTION_DAYS: 'off', NOTIFIER_DELIVERY_RETENTION_DAYS: '-3', NOTIFIER_RETENTION_BATCH_SIZE: '100001' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['NOTIFIER_ALERT_RETENTION_DAYS', 'NOTIFIER_DELIVERY_RETENTION_DAYS', 'NOTIFIER_RETENTION_BATCH_SIZE']);
    expect((error as ConfigError).message).toContain('NOTIFIER_ALERT_RETENTION_DAYS="off": expected whole days in [0, 3650], e.g. "30"; 0 keeps the rows forever');
  });
});
