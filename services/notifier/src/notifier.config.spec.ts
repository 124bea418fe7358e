import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadNotifierConfig } from './notifier.config';

describe('notifier config', () => {
  it('defaults to every role, safe webhook targets and no at-rest encryption key', () => {
    const config = loadNotifierConfig({});
    expect([...config.NOTIFIER_ROLES]).toEqual(['api', 'consumer', 'worker']);
    expect(config.WEBHOOK_ALLOW_HTTP).toBe(false);
    expect(config.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(config.NOTIFIER_SECRET_ENCRYPTION_KEY).toBe('');
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
});
