import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Writes a bench's options and results, stamped with the time, as `<dir>/<name>` (pretty JSON), and says where. */
export function writeBenchResult(dir: string, name: string, body: { options: unknown; results: unknown }): string {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const file = join(out, name);
  writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), ...body }, null, 2)}\n`);
  process.stdout.write(`written ${file}\n`);
  return file;
}
