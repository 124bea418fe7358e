import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handMadeAudit } from '../libs/report/src/hand-made-audit.fixture';
import { describe, expect, it } from 'vitest';
import { runReportCommand } from './report.command';

const SLOW = 120_000;

async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runReportCommand(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { status, out, err };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'chorus-report-'));
}

describe('npm run report', () => {
  it('answers a usage error with the usage (status 2)', async () => {
    const none = await run();
    expect(none).toMatchObject({ status: 2, out: '' });
    expect(none.err).toMatch(/^no audit file given\nusage: npm run report -- <audit.json> \[--out <dir>\]/);
    expect((await run('a.json', 'b.json')).err).toMatch(/^one audit file expected, got 2: a.json b.json\n/);
    const unknown = await run('a.json', '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--bogus'/);
    expect(await run('--help')).toMatchObject({ status: 0, err: '' });
  });

  it('says the file is missing, a directory or empty, and how to fix it (status 1)', async () => {
    const dir = scratch();
    const missing = await run(join(dir, 'missing.json'));
    expect(missing).toMatchObject({ status: 1, out: '' });
    expect(missing.err).toBe(`cannot read ${join(dir, 'missing.json')}: no such file.\nFix: give the path of the audit.json that \`npm run audit\` wrote (it prints where).\n`);
    expect((await run(dir)).err).toBe(`cannot read ${dir}: it is a directory, not a file.\nFix: give the path of the audit.json that \`npm run audit\` wrote (it prints where).\n`);
    writeFileSync(join(dir, 'empty.json'), '  \n');
    expect((await run(join(dir, 'empty.json'))).err).toBe(`${join(dir, 'empty.json')} is empty.\nFix: the run that wrote it may have stopped before finishing; run \`npm run audit\` again.\n`);
  });

  it('says the file is not JSON, with the parser’s reason (status 1)', async () => {
    const file = join(scratch(), 'audit.json');
    writeFileSync(file, '{"kind": "audit", "runs": [');
    const broken = await run(file);
    expect(broken.status).toBe(1);
    expect(broken.err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON \\(.+\\)\\.\\nFix: give the audit.json itself; if it was cut short`));
  });

  it('names every wrong field of a wrong-shaped file by its path (status 1)', async () => {
    const audit = JSON.parse(JSON.stringify(handMadeAudit()));
    audit.runs[0].rounds[1].groups.minority.regret = 'high';
    audit.runs[1].reranksPerRound = [3];
    delete audit.runs[2].rounds[0].groups.mixed;
    audit.runs[3].alerts = [{ round: 1, scope: 'galaxy', metric: 'm', domain: 'news', severity: 'info', subject: 'u' }];
    // No run writes another kind (the MovieLens replay has its own report): a file claiming one is refused.
    audit.kind = 'replay';
    const file = join(scratch(), 'audit.json');
    writeFileSync(file, JSON.stringify(audit));
    const wrong = await run(file);
    expect(wrong.status).toBe(1);
    expect(wrong.err.split('\n')).toEqual([
      `${file} is not an audit result:`,
      '  - kind: Invalid input: expected "audit"',
      '  - runs[0].rounds[1].groups.minority.regret: Invalid input: expected number, received string',
      '  - runs[3].alerts[0].scope: Invalid option: expected one of "user"|"segment"|"population"',
      'Fix: give the audit.json written by `npm run audit`; its shape is AuditResult in libs/simulation/src/audit-result.ts.',
      '',
    ]);
    // Once the fields are right, the checks across fields answer.
    audit.runs[0].rounds[1].groups.minority.regret = 0.5;
    audit.runs[3].alerts = [];
    audit.kind = 'audit';
    audit.runs[3].policy = 'pooled';
    writeFileSync(file, JSON.stringify(audit));
    expect((await run(file)).err.split('\n').slice(1, 4)).toEqual([
      '  - runs[1].reranksPerRound: 1 counts for 2 rounds; give one count per round (0 where none)',
      '  - runs[2].rounds[0].groups: no measures for group "mixed" of population.groups; every round measures every group',
      '  - runs[3].policy: policy "pooled" appears twice; each run needs its own name',
    ]);
  });

  it('writes report.html beside the JSON, or into --out with a copy of the JSON, and prints the summary table', async () => {
    const dir = scratch();
    const file = join(dir, 'audit.json');
    // null is what JSON.stringify writes for a NaN, and what a runner may write for "none": read as undefined.
    const audit = JSON.parse(JSON.stringify(handMadeAudit()));
    audit.runs[0].rounds[0].groups.majority.auc = null;
    writeFileSync(file, JSON.stringify(audit));
    const beside = await run(file);
    expect(beside.err).toBe('');
    expect(beside.status).toBe(0);
    expect(beside.out).toMatch(/^Hand-made audit: last round 1; minority = served share \(true share\)\npolicy {14}group/);
    expect(beside.out).toMatch(new RegExp(`wrote ${join(dir, 'report.html')} \\(\\d+ KiB, rendered in [\\d.]+ s\\) beside ${file}\\n$`));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<a href="audit.json">audit.json</a>');

    const out = join(dir, 'elsewhere', 'nested');
    mkdirSync(join(dir, 'elsewhere'));
    expect((await run(file, '--out', out)).status).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'audit.json'), 'utf8')).toBe(readFileSync(file, 'utf8'));
  }, SLOW);
});
