import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadDriftWatchConfig } from './drift-watch.config';

const problems = (env: NodeJS.ProcessEnv) => {
  try {
    loadDriftWatchConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
};

describe('drift-watch config: retention', () => {
  it('keeps alerts and population series 90 days, user series 30, and sweeps 1,000 rows at a time every 10 minutes', () => {
    expect(loadDriftWatchConfig({})).toMatchObject({
      DRIFT_ALERT_RETENTION_DAYS: 90,
      DRIFT_USER_SERIES_RETENTION_DAYS: 30,
      DRIFT_POPULATION_SERIES_RETENTION_DAYS: 90,
      DRIFT_RETENTION_INTERVAL_MS: 600_000,
      DRIFT_RETENTION_BATCH_SIZE: 1_000,
    });
  });

  it('takes whole days per table, 0 keeping that table forever', () => {
    const config = loadDriftWatchConfig({ DRIFT_ALERT_RETENTION_DAYS: '0', DRIFT_USER_SERIES_RETENTION_DAYS: '7', DRIFT_POPULATION_SERIES_RETENTION_DAYS: '3650' });
    expect([config.DRIFT_ALERT_RETENTION_DAYS, config.DRIFT_USER_SERIES_RETENTION_DAYS, config.DRIFT_POPULATION_SERIES_RETENTION_DAYS]).toEqual([0, 7, 3650]);
  });

  it('names every bad retention setting with its value and what a good one looks like', () => {
    const found = problems({
      DRIFT_ALERT_RETENTION_DAYS: 'thirty',
      DRIFT_USER_SERIES_RETENTION_DAYS: '1.5',
      DRIFT_POPULATION_SERIES_RETENTION_DAYS: '',
      DRIFT_RETENTION_INTERVAL_MS: '10',
      DRIFT_RETENTION_BATCH_SIZE: '0',
    });
    expect(found.map((p) => p.key).sort()).toEqual([
      'DRIFT_ALERT_RETENTION_DAYS',
      'DRIFT_POPULATION_SERIES_RETENTION_DAYS',
      'DRIFT_RETENTION_BATCH_SIZE',
      'DRIFT_RETENTION_INTERVAL_MS',
      'DRIFT_USER_SERIES_RETENTION_DAYS',
    ]);
    expect(found.find((p) => p.key === 'DRIFT_ALERT_RETENTION_DAYS')).toEqual({
      key: 'DRIFT_ALERT_RETENTION_DAYS',
      value: '"thirty"',
      expected: 'expected whole days in [0, 3650], e.g. "30"; 0 keeps the rows forever',
    });
    expect(problems({ DRIFT_USER_SERIES_RETENTION_DAYS: '-1' }).map((p) => p.key)).toEqual(['DRIFT_USER_SERIES_RETENTION_DAYS']);
    expect(problems({ DRIFT_USER_SERIES_RETENTION_DAYS: '3651' }).map((p) => p.key)).toEqual(['DRIFT_USER_SERIES_RETENTION_DAYS']);
  });
});

describe('drift-watch config: resident users', () => {
  it('keeps 100,000 users in memory unless told otherwise', () => {
    expect(loadDriftWatchConfig({}).DRIFT_MAX_RESIDENT_USERS).toBe(100_000);
    expect(loadDriftWatchConfig({ DRIFT_MAX_RESIDENT_USERS: '1000' }).DRIFT_MAX_RESIDENT_USERS).toBe(1_000);
  });

  it.each(['0', '999', '50000001', '1e5x', '', '2.5'])('refuses %j with the range it takes', (value) => {
    expect(problems({ DRIFT_MAX_RESIDENT_USERS: value })).toEqual([
      { key: 'DRIFT_MAX_RESIDENT_USERS', value: JSON.stringify(value), expected: 'expected an integer in [1000, 50000000]' },
    ]);
  });

  it('refuses the former DRIFT_USER_CACHE_SIZE and names its replacement', () => {
    expect(problems({ DRIFT_USER_CACHE_SIZE: '5000' })).toEqual([
      { key: 'DRIFT_USER_CACHE_SIZE', value: '"5000"', expected: 'renamed: set DRIFT_MAX_RESIDENT_USERS (the same number: users kept in memory) instead' },
    ]);
  });
});
