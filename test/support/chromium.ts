import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * The Chromium binary for browser checks, installed first when missing (infra/chromium.sh: Debian's package via
 * apt-get, as root). Called by the browser test itself rather than the e2e global setup, so a machine that cannot
 * install a browser fails that one test with the reason, not every end-to-end test.
 */
export function ensureChromium(): string {
  const { status, stdout, stderr, error } = spawnSync('bash', [join(root, 'infra/chromium.sh')], { encoding: 'utf8' });
  if (status !== 0) throw new Error(`infra/chromium.sh failed (${error?.message ?? `exit ${status}`}):\n${stdout}${stderr}`);
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}
