import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts file under a directory, recursively. */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT_SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/g;

// STYLE.md: math libs import nothing of ours but each other (and @chorus/random, the one seeded PRNG), and no
// framework. The reward lib needs nothing beyond its own files; its test code (specs and testing/) may also use vitest,
// fast-check, node built-ins and @chorus/random. (A dependency check in CI covers the whole repository; this keeps the rule
// executable for this lib on its own.)
describe('libs/reward import boundary', () => {
  it('imports only its own files (test code: plus vitest, fast-check, node:* and @chorus/random)', () => {
    const offending: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(__dirname)) {
      const isTestCode = file.endsWith('.spec.ts') || relative(__dirname, file).startsWith(`testing${sep}`);
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT_SPECIFIER)) {
        checked++;
        const allowed = specifier!.startsWith('.')
          ? !relative(__dirname, resolve(dirname(file), specifier!)).startsWith('..')
          : isTestCode && (specifier === 'vitest' || specifier === 'fast-check' || specifier === '@chorus/random' || specifier!.startsWith('node:'));
        if (!allowed) offending.push(`${relative(__dirname, file)} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
    expect(checked).toBeGreaterThan(40); // the pattern really sees the imports
  });
});
