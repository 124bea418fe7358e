import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';

describe('API key shape', () => {
  it('accepts every key generateApiKey makes', () => {
    for (let i = 0; i < 2_000; i++) {
      const { key, hash } = generateApiKey();
      expect(isWellFormedApiKey(key), key).toBe(true);
      expect(hashApiKey(key)).toBe(hash);
    }
  });

  it('refuses anything else without a lookup: short, long, foreign prefix, characters outside base64url', () => {
    const key = generateApiKey().key;
    for (const bad of ['', 'chorus_nope_nope', key.slice(0, -1), `${key}A`, key.replace('chorus_', 'chorvs_'), `${key.slice(0, -1)}!`, ` ${key}`, key.toUpperCase().replace('CHORUS_', 'chorus_') + '=', 'x'.repeat(59)]) {
      expect(isWellFormedApiKey(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
