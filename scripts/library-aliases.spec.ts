import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// A library is wired in four places: tsc (tsconfig paths), the tools build (.swcrc paths, used by `npm run
// build:tools` for scripts/ and bench/), Vitest (vitest.config.ts aliases) and nest build (nest-cli.json projects).
// One missing entry compiles and tests fine and only fails when a built script runs (`Cannot find module
// '@chorus/…'`), so the four are checked against the folders in libs/.
const root = resolve(__dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

const libraries = readdirSync(resolve(root, 'libs'))
  .filter((name) => existsSync(resolve(root, 'libs', name, 'src', 'index.ts')))
  .sort();
const expected = Object.fromEntries(libraries.map((name) => [`@chorus/${name}`, `libs/${name}/src/index.ts`]));
const chorusOnly = (paths: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(paths).filter(([alias]) => alias.startsWith('@chorus/')).map(([alias, [target]]) => [alias, target]));

describe('every library under libs/ is wired in each build', () => {
  it('finds the libraries', () => {
    expect(libraries).toEqual(expect.arrayContaining(['contracts', 'platform', 'reward']));
  });

  it('tsconfig.json paths', () => {
    expect(chorusOnly(JSON.parse(read('tsconfig.json')).compilerOptions.paths)).toEqual(expected);
  });

  it('.swcrc paths (the tools build)', () => {
    expect(chorusOnly(JSON.parse(read('.swcrc')).jsc.paths)).toEqual(expected);
  });

  it('vitest.config.ts aliases', () => {
    const list = /\[((?:\s*'[a-z-]+',?)+)\s*\]\.map\(\(name\) => \[\s*`@chorus\/\$\{name\}`/.exec(read('vitest.config.ts'));
    expect(list, 'the alias list in vitest.config.ts').not.toBeNull();
    const names = [...list![1]!.matchAll(/'([a-z-]+)'/g)].map((match) => match[1]).sort();
    expect(names).toEqual(libraries);
  });

  it('nest-cli.json library projects', () => {
    const projects: Record<string, { type: string; root: string }> = JSON.parse(read('nest-cli.json')).projects;
    const roots = Object.values(projects).filter((project) => project.type === 'library').map((project) => project.root).sort();
    expect(roots).toEqual(libraries.map((name) => `libs/${name}`));
  });
});
