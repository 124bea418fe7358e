import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

const PREFIX = 'aes256gcm:v1:';

/** The command that makes a key, quoted in every message that asks for one. */
export const MAKE_SECRET_BOX_KEY = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

/** A 32-byte key in base64, or empty for none. */
export const secretBoxKey = z
  .string()
  .default('')
  .refine((text) => text === '' || Buffer.from(text, 'base64').length === 32, `expected 32 random bytes in base64 (make one with: ${MAKE_SECRET_BOX_KEY}), or unset`);

/**
 * Encrypts secrets that must be stored readable (a webhook signing secret has to be used, not only compared, so it
 * cannot be hashed like an API key). AES-256-GCM with a random 96-bit nonce; the row id is bound in as associated
 * data, so a ciphertext copied onto another row does not decrypt.
 *
 * Key rotation: values are always sealed with the current key; `open` also tries the previous key, so a deployment
 * can switch keys and re-seal its rows ({@link SecretBox.needsReseal}) without a window where secrets are unreadable.
 * A value stored without the `aes256gcm:v1:` prefix is a plaintext left from before encryption was the default: it
 * opens as itself and needs resealing.
 */
export class SecretBox {
  private readonly keys: Buffer[];

  /** `currentKey` seals and opens; `previousKey` (optional) only opens. Both are 32 bytes in base64. */
  constructor(currentKey: string, previousKey = '') {
    this.keys = [currentKey, previousKey].filter(Boolean).map((text) => Buffer.from(text, 'base64'));
    if (!currentKey || this.keys.some((key) => key.length !== 32)) throw new Error(`SecretBox keys must be 32 bytes in base64 (make one with: ${MAKE_SECRET_BOX_KEY})`);
  }

  seal(plaintext: string, boundTo: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, nonce);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${nonce.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /** The plaintext; throws when no configured key opens the value (another key, another row, or tampered with). */
  open(stored: string, boundTo: string): string {
    return this.unseal(stored, boundTo).plaintext;
  }

  /** Whether `stored` is plaintext or sealed with the previous key, i.e. should be sealed again with the current one. */
  needsReseal(stored: string, boundTo: string): boolean {
    return this.unseal(stored, boundTo).keyIndex !== 0;
  }

  private unseal(stored: string, boundTo: string): { plaintext: string; keyIndex: number } {
    if (!stored.startsWith(PREFIX)) return { plaintext: stored, keyIndex: -1 };
    const [nonce, tag, ciphertext] = stored.slice(PREFIX.length).split(':');
    for (const [keyIndex, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce ?? '', 'base64'));
        decipher.setAAD(Buffer.from(boundTo, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
        return { plaintext: Buffer.concat([decipher.update(Buffer.from(ciphertext ?? '', 'base64')), decipher.final()]).toString('utf8'), keyIndex };
      } catch {
        // not this key: try the next one
      }
    }
    throw new Error(`no configured key opens this secret (sealed with another key, for another row, or altered); configure the key it was stored with as the current or previous key`);
  }
}
