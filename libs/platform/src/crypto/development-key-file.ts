import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The key in `path`, creating it (32 random bytes, base64, mode 0600) if the file does not exist yet: for development
 * machines, where secrets should still be encrypted at rest but nobody wants to manage a key. Creation is atomic (a
 * temporary file hard-linked into place), so processes starting together all end up with the same key.
 */
export function loadOrCreateKeyFile(path: string): { key: string; created: boolean } {
  try {
    return { key: readFileSync(path, 'utf8').trim(), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, path);
    return { key: readFileSync(path, 'utf8').trim(), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: readFileSync(path, 'utf8').trim(), created: false }; // another process created it first
  } finally {
    rmSync(temporary, { force: true });
  }
}
