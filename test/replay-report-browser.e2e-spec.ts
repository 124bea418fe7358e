// A real browser checks the MovieLens replay's report (issue #12 part 5), as report-browser.e2e-spec.ts checks the
// audit's: the report of a small seeded slice (test/support/movielens-replay-fixture.ts: seeded ratings through the
// demo's own report code, the τ² and λ sweeps included; no services) is written by the build (dist/, vega loaded with
// import() from CommonJS, as the demo runs it), opened from a file:// URL in headless Chromium, and must load with no
// console error, no request beyond its own file and a drawn mark in every chart. A screenshot is saved to
// reports/replay-report-browser.png (ignored by git).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './support/chromium';
import { viewReportPage } from './support/report-page';

const root = join(__dirname, '..');
const workDir = join(root, '.chorus', 'replay-report-browser');
const screenshot = join(root, 'reports', 'replay-report-browser.png');
const run = promisify(execFile);

describe('the MovieLens replay report in a real browser', () => {
  let browser: Browser;
  let reportPath: string;
  let summary: string;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    // In a child process on the build: the sweeps are CPU work that would starve the test worker's RPC.
    const script = `
      const { seededReplayReport } = require('./dist/test/support/movielens-replay-fixture');
      const { writeReplayReport } = require('./dist/scripts/movielens/replay-report');
      writeReplayReport(seededReplayReport(7), ${JSON.stringify(workDir)}).then((w) => process.stdout.write(w.summary));`;
    ({ stdout: summary } = await run('node', ['-e', script], { cwd: root, maxBuffer: 16 * 1024 * 1024 }));
    reportPath = join(workDir, 'report.html');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('prints the summary tables and holds no URL', () => {
    expect(summary).toMatch(/^Prequential AUC per policy/);
    expect(summary).toMatch(/personalized, τ² 1 \(live\)\s+live\s+1\s+2400\s+0\.\d{4}/);
    expect(summary).toMatch(/Steck's λ sweep \(experiment:calibration on the replayed ratings; \d+ users evaluated\)/);
    expect(summary).toMatch(/\n\s*42\s+30\s+1\.540\s+0\.380\s+0\.970/);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/(https?|ftp|wss?):\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    console.log(`replay report.html: ${(statSync(reportPath).size / 1024).toFixed(0)} KiB`);
  });

  it('loads from file:// with no console error and no request beyond itself, and draws every chart', async () => {
    const { url, loaded, problems, requests, charts, overflowing, reading } = await viewReportPage(browser, reportPath, screenshot);
    expect(loaded).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(overflowing).toEqual([]);
    expect(charts.map((chart) => chart.id)).toEqual(['chart-auc-over-time', 'chart-tau-sweep', 'chart-lambda-sweep', 'chart-alerts']);
    for (const chart of charts) expect(chart.marks, `${chart.id} drew no mark`).toBeGreaterThan(0);
    expect(reading).toMatch(/^User alerts: 2 over [\d,]+ user-events past the 30-event gate\./);
    expect(reading).toMatch(/Population alerts: 3 over 60 3600-s buckets of event time\./);
    console.log(`charts and marks drawn: ${charts.map((chart) => `${chart.id} ${chart.marks}`).join(', ')}; screenshot ${screenshot}`);
  });
});
