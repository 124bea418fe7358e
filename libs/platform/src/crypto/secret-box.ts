import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

const PREFIX = 'aes256gcm:v1:';

/** A 32-byte key in base64 (e.g. `openssl rand -base64 32`), or empty for none. */
export const secretBoxKey = z
  .string()
  .default('')
  .refine((text) => text === '' || Buffer.from(text, 'base64').length === 32, 'expected 32 random bytes in base64 (openssl rand -base64 32), or unset');

/**
 * Encrypts secrets that must be stored readable (a webhook signing secret has to be used, not only compared, so it
 * cannot be hashed like an API key). AES-256-GCM with a random 96-bit nonce; the row id is bound in as associated
 * data, so a ciphertext copied onto another row does not decrypt. Without a key, values are stored as given and the
 * database is the only protection; `encrypts` says which.
 */
export class SecretBox {
  private readonly key: Buffer | undefined;

  constructor(base64Key: string) {
    this.key = base64Key ? Buffer.from(base64Key, 'base64') : undefined;
    if (this.key && this.key.length !== 32) throw new Error('SecretBox key must be 32 bytes');
  }

  get encrypts(): boolean {
    return this.key !== undefined;
  }

  seal(plaintext: string, boundTo: string): string {
    if (!this.key) return plaintext;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${nonce.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  open(stored: string, boundTo: string): string {
    if (!stored.startsWith(PREFIX)) return stored; // stored before a key was configured
    if (!this.key) throw new Error('this secret was stored encrypted; configure the same encryption key to read it');
    const [nonce, tag, ciphertext] = stored.slice(PREFIX.length).split(':');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce ?? '', 'base64'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext ?? '', 'base64')), decipher.final()]).toString('utf8');
  }
}
