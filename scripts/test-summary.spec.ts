import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the real scripts/test-summary.cjs on reports Vitest 3 wrote for small specs (scripts/fixtures/vitest-reports:
// the JSON reporter's output, absolute paths replaced by /repo/...), each given with the exit status Vitest had.
// global-setup-failed.json is what `npm test` wrote for the e2e project when its global setup threw (`npm run build`
// failing): an empty report, with Vitest exiting 1.

const script = resolve(__dirname, 'test-summary.cjs');
const report = (name: string) => resolve(__dirname, 'fixtures/vitest-reports', `${name}.json`);

function summarize(...runs: string[]): { lines: string[]; last: string; status: number | null } {
  const { stdout, status } = spawnSync(process.execPath, [script, ...runs], { encoding: 'utf8' });
  const lines = stdout.trimEnd().split('\n');
  return { lines, last: lines.at(-1) ?? '', status };
}

describe('scripts/test-summary.cjs', { timeout: 30_000 }, () => {
  it('a passing run: its passed and skipped tests, exit 0', () => {
    const { lines, status } = summarize(`unit=${report('passed')}:0`);
    expect(lines).toEqual(['[test] unit: 2 passed, 0 failed, 1 skipped', '2 passed, 0 failed, 1 skipped']);
    expect(status).toBe(0);
  });

  it('a failed test counts once, exit 1', () => {
    const { last, status } = summarize(`unit=${report('failed-test')}:1`);
    expect(last).toBe('1 passed, 1 failed');
    expect(status).toBe(1);
  });

  it('a file that failed outside its tests (a beforeAll) counts as a failure, with its message', () => {
    const { lines, status } = summarize(`unit=${report('failed-outside-tests')}:1`);
    expect(lines).toEqual([
      '[test] unit: 1 passed, 1 failed, 1 skipped',
      '[test] unit: /repo/libs/example/b.spec.mjs failed outside its tests: database not reachable',
      '1 passed, 1 failed, 1 skipped',
    ]);
    expect(status).toBe(1);
  });

  it('an unhandled error — every test passed but Vitest exited 1 — counts as a failure', () => {
    const { lines, status } = summarize(`unit=${report('unhandled-error')}:1`);
    expect(lines).toEqual([
      '[test] unit: 2 passed, 1 failed',
      '[test] unit: Vitest exited 1 with no failed test in its report: an unhandled error or a failed global setup (see its "Unhandled Error" output above)',
      '2 passed, 1 failed',
    ]);
    expect(status).toBe(1);
  });

  it('the same report with exit 0 is a pass: the exit status is what tells the two apart', () => {
    expect(summarize(`unit=${report('unhandled-error')}:0`)).toMatchObject({ last: '2 passed, 0 failed', status: 0 });
  });

  it('a failed e2e global setup (no report) still reports the unit run, and counts the e2e run as one failure', () => {
    const missing = resolve(__dirname, 'fixtures/vitest-reports/does-not-exist.json');
    const { lines, status } = summarize(`unit=${report('passed')}:0`, `e2e=${missing}:1`);
    expect(lines).toEqual([
      '[test] unit: 2 passed, 0 failed, 1 skipped',
      '[test] e2e: 0 passed, 1 failed',
      `[test] e2e: no report at ${missing}: Vitest stopped before writing it (a failed global setup does that; see its output above)`,
      '2 passed, 1 failed, 1 skipped',
    ]);
    expect(status).toBe(1);
  });

  it('a failed global setup that left an empty report (exit 1, no test) counts as one failure', () => {
    const { lines, status } = summarize(`unit=${report('passed')}:0`, `e2e=${report('global-setup-failed')}:1`);
    expect(lines.slice(1)).toEqual([
      '[test] e2e: 0 passed, 1 failed',
      '[test] e2e: Vitest exited 1 with no failed test in its report: an unhandled error or a failed global setup (see its "Unhandled Error" output above)',
      '2 passed, 1 failed, 1 skipped',
    ]);
    expect(status).toBe(1);
  });

  it('sums the runs into the one closing line', () => {
    const { last, status } = summarize(`unit=${report('passed')}:0`, `e2e=${report('failed-test')}:1`);
    expect(last).toBe('3 passed, 1 failed, 1 skipped');
    expect(status).toBe(1);
  });

  it('nothing passed at all is a failure even with nothing failed', () => {
    const empty = summarize(`unit=${report('failed-outside-tests')}:0`);
    expect(empty.status).toBe(1);
    const { last, status } = summarize();
    expect([last, status]).toEqual(['0 passed, 1 failed', 1]);
  });

  it('refuses an argument it cannot read, saying the expected form', () => {
    const { stderr, stdout, status } = spawnSync(process.execPath, [script, 'report.json'], { encoding: 'utf8' });
    expect(stderr).toContain('argument "report.json" must be <name>=<report.json>:<vitest exit status>');
    expect([stdout.trim(), status]).toEqual(['0 passed, 1 failed', 1]);
  });
});
