import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, secretBoxKey } from './secret-box';

const key = randomBytes(32).toString('base64');

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
    expect(() => box.open(sealed, 'row-2')).toThrow();
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered, 'row-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, 'row-1')).toThrow();
    expect(() => new SecretBox('').open(sealed, 'row-1')).toThrow('configure the same encryption key');
  });

  it('without a key stores as given, and reads values stored before a key was configured', () => {
    expect(new SecretBox('').encrypts).toBe(false);
    expect(new SecretBox('').seal('whsec_abc', 'row-1')).toBe('whsec_abc');
    expect(new SecretBox(key).open('whsec_abc', 'row-1')).toBe('whsec_abc');
  });

  it('accepts only a 32-byte base64 key in configuration', () => {
    expect(secretBoxKey.safeParse(key).success).toBe(true);
    expect(secretBoxKey.safeParse(undefined).success).toBe(true);
    expect(secretBoxKey.safeParse(randomBytes(16).toString('base64')).success).toBe(false);
  });
});
