import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeyFile } from './development-key-file';
import { SecretBox, secretBoxKey } from './secret-box';

const key = randomBytes(32).toString('base64');
const otherKey = randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips a secret bound to its row, and never stores the plaintext', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('whsec_abc', 'row-1');
    expect(sealed).not.toContain('whsec_abc');
    expect(sealed.startsWith('aes256gcm:v1:')).toBe(true);
    expect(box.open(sealed, 'row-1')).toBe('whsec_abc');
    expect(box.seal('whsec_abc', 'row-1')).not.toBe(sealed); // fresh nonce each time
  });

  it('refuses a ciphertext moved to another row, tampered with, or opened with another key', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('whsec_abc', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow('no configured key opens this secret');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered, 'row-1')).toThrow();
    expect(() => new SecretBox(otherKey).open(sealed, 'row-1')).toThrow('configure the key it was stored with');
  });

  it('always has a key: encryption is not optional', () => {
    expect(() => new SecretBox('')).toThrow('make one with');
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow('32 bytes');
    expect(() => new SecretBox(key, randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });

  it('opens with the previous key during a key rotation, seals with the current one, and says what to reseal', () => {
    const before = new SecretBox(otherKey);
    const sealedBefore = before.seal('whsec_abc', 'row-1');
    const rotated = new SecretBox(key, otherKey);
    expect(rotated.open(sealedBefore, 'row-1')).toBe('whsec_abc');
    expect(rotated.needsReseal(sealedBefore, 'row-1')).toBe(true);
    const resealed = rotated.seal('whsec_abc', 'row-1');
    expect(rotated.needsReseal(resealed, 'row-1')).toBe(false);
    expect(new SecretBox(key).open(resealed, 'row-1')).toBe('whsec_abc'); // the old key can then be dropped
    expect(() => new SecretBox(otherKey).open(resealed, 'row-1')).toThrow();
  });

  it('reads a plaintext stored before encryption was the default, and marks it for resealing', () => {
    const box = new SecretBox(key);
    expect(box.open('whsec_abc', 'row-1')).toBe('whsec_abc');
    expect(box.needsReseal('whsec_abc', 'row-1')).toBe(true);
  });

  it('accepts only a 32-byte base64 key in configuration, and says how to make one', () => {
    expect(secretBoxKey.safeParse(key).success).toBe(true);
    expect(secretBoxKey.safeParse(undefined).success).toBe(true);
    const short = secretBoxKey.safeParse(randomBytes(16).toString('base64'));
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toContain(`randomBytes(32).toString('base64')`);
  });
});

describe('loadOrCreateKeyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a usable key once (mode 0600), then returns the same key', () => {
    const path = join(dir, 'nested', 'notifier.key');
    const first = loadOrCreateKeyFile(path);
    expect(first.created).toBe(true);
    expect(Buffer.from(first.key, 'base64')).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.key);
    expect(loadOrCreateKeyFile(path)).toEqual({ key: first.key, created: false });
    expect(() => new SecretBox(first.key)).not.toThrow();
  });
});
