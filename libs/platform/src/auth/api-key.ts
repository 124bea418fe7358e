import { createHash, randomBytes } from 'node:crypto';

/**
 * `subscriber`: manage one's own drift-alert subscriptions and read the alert stream (the notifier); a subscriber
 * sees only the subscriptions its own key created.
 */
export const SCOPES = ['ingest', 'read', 'admin', 'subscriber'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The verified key behind a request: who is calling (its id owns what it creates), never the secret itself. */
export interface CallerKey {
  id: string;
  name: string;
  scopes: Scope[];
}

/** What `generateApiKey` makes: `chorus_`, 8 base64url characters, `_`, 43 base64url characters (256 bits). */
const API_KEY_FORMAT = /^chorus_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;

/** Whether `key` has the shape of a key Chorus issues; anything else is refused without a lookup. */
export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_FORMAT.test(key);
}

/**
 * A new API key: `chorus_<8-char prefix>_<secret>`. The prefix identifies the key in logs and listings without
 * revealing it.
 */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('base64url').slice(0, 8);
  const key = `chorus_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/**
 * Keys carry 256 random bits, so a fast hash is enough: slow password hashes (bcrypt, scrypt) protect low-entropy
 * secrets from guessing, which a random key is not, and they would add milliseconds to every request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
