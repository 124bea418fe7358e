import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadRerankerConfig } from './reranker.config';

describe('reranker config', () => {
  it('has working defaults: λ 0.5, n 20, C 500, no schedule', () => {
    const config = loadRerankerConfig({});
    expect(config).toMatchObject({ RERANK_LAMBDA: 0.5, RERANK_LIST_SIZE: 20, RERANK_CANDIDATES: 500, RERANK_SCHEDULE_EVERY_SECONDS: 0, RERANK_SCHEDULE_DOMAINS: [], RERANK_QUEUE_PREFIX: 'chorus' });
  });

  it('lists every bad key at once, with its value', () => {
    let error: unknown;
    try {
      loadRerankerConfig({ RERANK_LAMBDA: '1.5', RERANK_CONCURRENCY: '0', RERANK_QUEUE_PREFIX: 'a:b', REDIS_URL: 'http://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['REDIS_URL', 'RERANK_CONCURRENCY', 'RERANK_LAMBDA', 'RERANK_QUEUE_PREFIX']);
    expect((error as ConfigError).message).toContain('RERANK_LAMBDA="1.5"');
  });

  it('needs the domains when the schedule is on', () => {
    expect(() => loadRerankerConfig({ RERANK_SCHEDULE_EVERY_SECONDS: '3600' })).toThrow(/RERANK_SCHEDULE_DOMAINS/);
    expect(loadRerankerConfig({ RERANK_SCHEDULE_EVERY_SECONDS: '3600', RERANK_SCHEDULE_DOMAINS: 'movies, news' }).RERANK_SCHEDULE_DOMAINS).toEqual(['movies', 'news']);
  });

  it('keeps superseded calibrated lists 30 days by default; 0 keeps them forever; a bad period is named', () => {
    expect(loadRerankerConfig({})).toMatchObject({ RERANK_LIST_RETENTION_DAYS: 30, RERANK_RETENTION_INTERVAL_MS: 600_000, RERANK_RETENTION_BATCH_SIZE: 1_000 });
    expect(loadRerankerConfig({ RERANK_LIST_RETENTION_DAYS: '0' }).RERANK_LIST_RETENTION_DAYS).toBe(0);
    expect(() => loadRerankerConfig({ RERANK_LIST_RETENTION_DAYS: '30d' })).toThrow('RERANK_LIST_RETENTION_DAYS="30d": expected whole days in [0, 3650], e.g. "30"; 0 keeps the rows forever');
    expect(() => loadRerankerConfig({ RERANK_RETENTION_INTERVAL_MS: '999' })).toThrow(/RERANK_RETENTION_INTERVAL_MS="999": expected an integer in \[1000, 86400000\]/);
  });
});
