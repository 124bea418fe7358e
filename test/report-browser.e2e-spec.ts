// A real browser checks the aggregation audit's report (issue #12 part 4): the report of a default-size offline audit
// (offlineAuditResult, from the build) is written by the built CLI (dist/, as `npm run report` runs it: vega loaded
// with import() from CommonJS), opened from a file:// URL in headless Chromium (Debian's, through playwright-core), and
// must load with no console error, no request beyond its own file, a drawn mark in every chart and the reading of the
// result. A screenshot of the whole page is saved to reports/report-browser.png (ignored by git) for people to look at.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './support/chromium';
import { viewReportPage } from './support/report-page';

const root = join(__dirname, '..');
const workDir = join(root, '.chorus', 'report-browser');
const screenshot = join(root, 'reports', 'report-browser.png');
const run = promisify(execFile);

/**
 * Runs node on the build (dist/) in a child process, asynchronously: the default-size offline audit takes a CPU-minute
 * on a busy machine, and computed in the test worker it starved Vitest's RPC ("Timeout calling onTaskUpdate").
 */
async function node(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('node', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

describe('the audit report in a real browser', () => {
  let browser: Browser;
  let reportPath: string;
  let cliOutput: string;

  beforeAll(async () => {
    // A first run on a fresh machine installs chromium with apt-get: minutes, not the default hook timeout.
    const executablePath = ensureChromium();
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    const auditPath = join(workDir, 'audit.json');
    await node([
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(auditPath)}, JSON.stringify(require('./dist/libs/report/src').offlineAuditResult(), null, 1))`,
    ]);
    cliOutput = await node([join(root, 'dist/scripts/report.js'), auditPath, '--out', join(workDir, 'out')]);
    reportPath = join(workDir, 'out', 'report.html');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('holds no URL: nothing to fetch at view time', () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/(https?|ftp|wss?):\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(readFileSync(join(workDir, 'out', 'audit.json'), 'utf8')).toBe(readFileSync(join(workDir, 'audit.json'), 'utf8'));
    // The figures the closing note reports: the file's size and what the CLI said about rendering it.
    console.log(`report.html: ${(statSync(reportPath).size / 1024).toFixed(0)} KiB; ${cliOutput.trim().split('\n').at(-1)}`);
  });

  it('loads from file:// with no console error and no request beyond itself, draws every chart and reads the result', async () => {
    const { url, loaded, problems, requests, charts, overflowing, reading } = await viewReportPage(browser, reportPath, screenshot);
    expect(loaded).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    // At a common laptop width nothing needs a horizontal scroll bar (the summary table once did).
    expect(overflowing).toEqual([]);
    expect(charts.map((chart) => chart.id)).toEqual([
      'chart-tradeoff',
      'chart-regret',
      'chart-auc',
      'chart-minorityShare',
      'chart-calibrationKl',
      'chart-exposureEntropy',
      'chart-consumptionEntropy',
      'chart-homogenization',
      'chart-stanceReinforcement',
      'chart-stanceExtremityChange',
      'chart-polarization',
      'chart-exposureGini',
      'chart-populationHomogenization',
      'chart-timeline',
    ]);
    for (const chart of charts) expect(chart.marks, `${chart.id} (${chart.title}) drew no mark`).toBeGreaterThan(0);
    expect(reading).toMatch(/^Under aggregate-only \(τ² = 0\) the minority group’s regret at round 19 was \d+\.\d{3} against the majority group’s \d+\.\d{3}/);
    expect(reading).toMatch(/Without calibration \(pooled\) .* with calibration \(pooled-calibrated\)/);
    expect(reading).toMatch(/Polarization of true stances went from /);
    console.log(`charts and marks drawn: ${charts.map((chart) => `${chart.id} ${chart.marks}`).join(', ')}; screenshot ${screenshot}`);
  });
});
