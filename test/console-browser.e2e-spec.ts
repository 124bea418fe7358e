import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGatewayClient, type GatewayClient } from '@chorus/api-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './support/chromium';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { startFullStack } from './support/full-stack';
import { AlertProducer, driftAlert } from './support/notifier';
import { pollUntil } from './support/poll';
import { TestStack } from './support/test-stack';

const root = join(__dirname, '..');
const consoleDir = join(root, 'dist', 'console');
const artefacts = join(root, '.chorus', 'console-browser');
const run = promisify(execFile);

/**
 * The console (issue #17) in headless Chromium against all five services on a real stack: built exactly as
 * `npm run build` builds it, served by the gateway at /console, driven like a person would. Screenshots of each page
 * go to .chorus/console-browser/ (test artefacts, ignored by git).
 */
describe('the console in a real browser', () => {
  const stack = new TestStack(3);
  let running: Awaited<ReturnType<typeof startFullStack>>;
  let browser: Browser;
  let page: Page;
  let gateway: GatewayClient;
  let adminKey: string;
  let consoleUrl: string;
  const errors: string[] = [];

  const post = async (count: number, seed: number) => {
    const events = feedbackStream(count, { users: 20, items: 60, seed });
    for (let i = 0; i < events.length; i += 500) {
      const { error } = await gateway.POST('/v1/feedback', { body: { events: events.slice(i, i + 500) } as never });
      expect(error).toBeUndefined();
    }
  };
  const applied = async () => (await gateway.GET('/v1/models/aggregate', { params: { query: { domain: 'movies' } } })).data?.eventsSeen ?? 0;

  beforeAll(async () => {
    mkdirSync(artefacts, { recursive: true });
    await run('npm', ['run', '-s', 'build:console'], { cwd: root });
    const executablePath = ensureChromium();
    running = await startFullStack(stack, { GATEWAY_CONSOLE_DIR: consoleDir, DRIFT_RERANK_ENABLED: 'false' });
    adminKey = await stack.apiKey(running.db, ['admin'], 'console');
    gateway = createGatewayClient({ baseUrl: running.urls.gateway, apiKey: adminKey });
    consoleUrl = `${running.urls.gateway}/console/`;
    const imported = await gateway.POST('/v1/items/import', { body: { items: catalogue(60) } });
    expect(imported.error).toBeUndefined();
    await post(400, 11);
    await pollUntil(applied, (n) => n >= 400, { timeoutMs: 60_000, what: 'the learner to apply 400 events' });
    // A calibrated list for user-1, so the user page has one to show.
    const rerank = await gateway.POST('/v1/admin/rerank', { body: { domain: 'movies', userIds: ['user-1'] } });
    const jobId = rerank.data!.jobIds[0]!;
    await pollUntil(async () => (await gateway.GET('/v1/admin/rerank/jobs/{id}', { params: { path: { id: jobId } } })).data?.state, (state) => state === 'completed', { timeoutMs: 60_000, what: 'the rerank job' });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await stack.stop();
  });

  it('refuses a bad key with the gateway’s reason', async () => {
    const context = await browser.newContext();
    const refused = await context.newPage();
    await refused.goto(consoleUrl);
    await refused.fill('input[name=apiKey]', 'not-a-key');
    await refused.click('button:has-text("Log in")');
    await expect.poll(() => refused.textContent('#login-error'), { timeout: 10_000 }).toContain('AUTH.INVALID_KEY');
    expect(await refused.textContent('#login-error')).toContain('The gateway refused this key');
    expect(await refused.isVisible('#nav')).toBe(false);
    await refused.screenshot({ path: join(artefacts, 'login-refused.png'), fullPage: true });
    await context.close();
  });

  it('logs in and shows live figures on the overview', async () => {
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    await page.goto(consoleUrl);
    await page.fill('input[name=apiKey]', adminKey);
    await page.fill('input[name=notifierUrl]', running.urls.notifier);
    await page.click('button:has-text("Log in")');
    const figure = () => page.textContent('[data-figure=events-applied] strong').catch(() => null);
    await expect.poll(figure, { timeout: 15_000 }).toBe(String(400));
    // The key lives in the tab's sessionStorage only.
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([2, 0, '']);
    await post(200, 12);
    await expect.poll(figure, { timeout: 30_000 }).toBe(String(600));
    await expect.poll(() => page.locator('#rate-chart svg .mark-line path').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(artefacts, 'overview.png'), fullPage: true });
  });

  it('shows an alert produced on the stack in the drift feed without a reload', async () => {
    await page.goto(`${consoleUrl}#/drift?domain=movies`);
    await expect.poll(() => page.getAttribute('#stream-state', 'data-state'), { timeout: 15_000 }).toBe('live');
    const producer = new AlertProducer(stack);
    await producer.connect();
    const alert = driftAlert(1, { domain: 'movies', subject: 'user-1', severity: 'critical' });
    const sentAt = Date.now();
    await producer.send([alert]);
    await producer.disconnect();
    await page.waitForSelector(`tr[data-alert="${alert.alertId}"].live`, { timeout: 15_000 });
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(await page.textContent(`tr[data-alert="${alert.alertId}"]`)).toContain('critical');
    await page.screenshot({ path: join(artefacts, 'drift.png'), fullPage: true });
  });

  it("shows a user's model against the aggregate and their calibrated list", async () => {
    await page.goto(`${consoleUrl}#/users/user-1?domain=movies`);
    await page.waitForSelector('[data-policy]', { timeout: 15_000 });
    expect(await page.textContent('[data-policy]')).toBe('calibrated');
    const before = Number(await page.textContent('[data-kl-before]'));
    const after = Number(await page.textContent('[data-kl-after]'));
    expect(Number.isFinite(before) && Number.isFinite(after)).toBe(true);
    expect(await page.locator('#served-list li').count()).toBe(10);
    await expect.poll(() => page.locator('#model-chart svg .mark-symbol path').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(artefacts, 'user.png'), fullPage: true });
  });

  it('lists subscriptions and links to Bull Board', async () => {
    await page.goto(`${consoleUrl}#/deliveries`);
    await page.waitForSelector('#subscriptions .note, #subscriptions section', { timeout: 15_000 });
    expect(await page.getAttribute('a[href="/admin/queues"]', 'href')).toBe('/admin/queues');
    await page.screenshot({ path: join(artefacts, 'deliveries.png'), fullPage: true });
  });

  it('logged no console error on any page', () => {
    expect(errors).toEqual([]);
    expect(running.fatal()).toEqual([]);
  });
});
