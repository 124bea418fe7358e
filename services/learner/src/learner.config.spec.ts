import { ConfigError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { loadLearnerConfig } from './learner.config';

describe('learner config', () => {
  it('has working defaults', () => {
    expect(loadLearnerConfig({})).toMatchObject({
      LEARNER_GROUP_ID: 'chorus-learner',
      LEARNER_FLUSH_EVENTS: 50_000,
      LEARNER_FLUSH_INTERVAL_MS: 1000,
      LEARNER_FLUSH_IDLE_MS: 100,
      LEARNER_INTERACTION_ROWS_PER_USER: 32,
      LEARNER_DEDUPE_WINDOW: 64,
      LEARNER_MAX_RESIDENT_USERS: 200_000,
      LEARNER_PREQUENTIAL_LOG: false,
    });
  });

  it('keeps prequential histograms 90 days and predictions 30 by default; 0 keeps them forever; a bad period is named', () => {
    expect(loadLearnerConfig({})).toMatchObject({
      LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS: 90,
      LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS: 30,
      LEARNER_RETENTION_INTERVAL_MS: 600_000,
      LEARNER_RETENTION_BATCH_SIZE: 1_000,
    });
    expect(loadLearnerConfig({ LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS: '0' }).LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS).toBe(0);
    expect(() => loadLearnerConfig({ LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS: '2w' })).toThrow(
      'LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS="2w": expected whole days in [0, 3650], e.g. "30"; 0 keeps the rows forever',
    );
    expect(() => loadLearnerConfig({ LEARNER_RETENTION_BATCH_SIZE: '0' })).toThrow(/LEARNER_RETENTION_BATCH_SIZE="0"/);
  });

  it('names every bad key with its value and the rule it broke', () => {
    let error: unknown;
    try {
      loadLearnerConfig({ LEARNER_GROUP_ID: 'a group', LEARNER_DEDUPE_WINDOW: '0', LEARNER_SESSION_TIMEOUT_MS: '1000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual(['LEARNER_DEDUPE_WINDOW', 'LEARNER_GROUP_ID', 'LEARNER_SESSION_TIMEOUT_MS']);
    expect((error as ConfigError).message).toContain('LEARNER_GROUP_ID="a group": expected letters, digits, ".", "_" or "-"');
  });

  it('refuses the former LEARNER_USER_CACHE_SIZE and names its replacement', () => {
    let error: unknown;
    try {
      loadLearnerConfig({ LEARNER_USER_CACHE_SIZE: '5000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('LEARNER_USER_CACHE_SIZE');
    expect((error as ConfigError).message).toContain('renamed: set LEARNER_MAX_RESIDENT_USERS (the same number: users kept in memory) instead');
  });

  it('refuses a budget below 100 resident users with the rule it broke', () => {
    expect(() => loadLearnerConfig({ LEARNER_MAX_RESIDENT_USERS: '10' })).toThrow(/LEARNER_MAX_RESIDENT_USERS="10"/);
  });
});
