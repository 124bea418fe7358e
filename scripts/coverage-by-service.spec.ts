import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the real scripts/coverage-by-service.cjs on two small hand-written istanbul reports (scripts/fixtures/istanbul-reports):
// unit covers statement 1 of 4 in gateway/a.ts, none of notifier/n.ts's 2, and one library statement (not a service);
// middle covers statement 2 of the same a.ts and both of gateway/b.ts.
const script = resolve(__dirname, 'coverage-by-service.cjs');
const fixture = (name: string) => resolve(__dirname, 'fixtures/istanbul-reports', `${name}.coverage-final.json`);

function run(...args: string[]): { lines: string[]; status: number | null } {
  const { stdout, status } = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { lines: stdout.trimEnd().split('\n'), status };
}

describe('scripts/coverage-by-service.cjs', { timeout: 30_000 }, () => {
  it('merges the runs: a statement counts once when either run covered it; libraries are left out', () => {
    expect(run(fixture('unit'), fixture('middle'))).toEqual({
      lines: [
        '[coverage] statement coverage per service, unit + middle tiers (not e2e):',
        '[coverage] service       statements',
        '[coverage] gateway        66.7%  (4/6)',
        '[coverage] notifier        0.0%  (0/2)',
        '[coverage] all services   50.0%  (4/8)',
      ],
      status: 0,
    });
  });

  it('one run alone', () => {
    expect(run(fixture('unit')).lines.slice(2)).toEqual(['[coverage] gateway        25.0%  (1/4)', '[coverage] notifier        0.0%  (0/2)', '[coverage] all services   16.7%  (1/6)']);
  });

  it('names a missing report and reports the others', () => {
    const missing = resolve(__dirname, 'fixtures/istanbul-reports/none.json');
    expect(run(fixture('middle'), missing).lines).toEqual([
      `[coverage] no coverage report at ${missing}: that run stopped before writing it`,
      '[coverage] statement coverage per service, unit + middle tiers (not e2e):',
      '[coverage] service       statements',
      '[coverage] gateway        50.0%  (3/6)',
      '[coverage] all services   50.0%  (3/6)',
    ]);
  });

  it('refuses to run without a report', () => {
    expect(run().status).toBe(2);
  });
});
