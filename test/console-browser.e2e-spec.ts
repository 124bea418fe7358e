import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGatewayClient, type GatewayClient } from '@chorus/api-client';
import { Partitioners } from 'kafkajs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { ensureChromium } from './support/chromium';
import { produceDriftMessages } from './support/drift-watch';
import { catalogue, feedbackStream, seededUuid } from './support/feedback-factory';
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
  /** Raw messages on the feedback topic, as any producer could write them (the learner dead-letters what it cannot read). */
  const produceRawFeedback = async (values: string[]) => {
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: stack.topic('feedback'), messages: values.map((value) => ({ key: 'poison', value })) });
    await producer.disconnect();
  };
  const alertsOf = async (query: Record<string, string>) => (await gateway.GET('/v1/admin/drift/alerts', { params: { query } })).data?.items ?? [];

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
    // drift-watch's own alerts, in their own domain: a news user whose feed narrows onto sports (rounds 40–80 of 150,
    // one per simulated minute), so the drift page has alerts drift-watch raised (to acknowledge) and population series.
    expect((await gateway.POST('/v1/items/import', { body: { items: driftCatalogue('news') } })).error).toBeUndefined();
    await produceDriftMessages(
      stack,
      interleave([
        userStream({ userId: 'ann', domain: 'news', rounds: 150, seed: 31, startMs: Date.parse('2026-03-05T10:00:00Z'), stepMs: 60_000, narrow: { category: 'sports', from: 40, to: 80 } }),
        userStream({ userId: 'bo', domain: 'news', rounds: 150, seed: 32, startMs: Date.parse('2026-03-05T10:00:00Z'), stepMs: 60_000 }),
      ]),
    );
    await pollUntil(() => alertsOf({ domain: 'news', subject: 'ann' }), (items) => items.length > 0, { timeoutMs: 60_000, what: "drift-watch's alert on ann" });
    await pollUntil(
      async () => (await gateway.GET('/v1/admin/drift/series/population', { params: { query: { domain: 'news', metric: 'mean-exposure-entropy' } } })).data?.points.length ?? 0,
      (n) => n >= 2,
      { timeoutMs: 60_000, what: 'population series of news' },
    );
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

  it("shows the overview's lag per partition, prequential AUC and dead letters by service and code, updating without a reload", async () => {
    await page.goto(`${consoleUrl}#/overview?domain=movies`);
    // Lag per partition of each group: the learner's on the feedback topic, one row per partition, caught up.
    const learnerRows = page.locator(`#lag tr[data-lag^="${running.env.LEARNER_GROUP_ID}/"]`);
    await expect.poll(() => learnerRows.count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => learnerRows.locator('td:last-child').allTextContents(), { timeout: 15_000 }).toEqual(['0', '0', '0']);
    // The learner scored every applied event before learning it: both models have an AUC line.
    await expect.poll(() => page.locator('#auc-chart svg .mark-line path').count(), { timeout: 15_000 }).toBe(2);
    const stored = await gateway.GET('/v1/admin/overview/prequential-auc', { params: { query: { domain: 'movies' } } });
    expect(await page.getAttribute('#auc-chart', 'data-points')).toBe(String(stored.data!.points.length));
    expect(stored.data!.points.reduce((sum, p) => sum + p.weight, 0)).toBeGreaterThan(0);
    // Poison messages while the page is open: the learner and drift-watch (both read the feedback topic) dead-letter
    // them, each under its own service and code, and the figures follow.
    const learnerRow = '#dead-letters tr[data-service="learner"][data-code="FEEDBACK.INVALID"]';
    const driftRow = '#dead-letters tr[data-service="drift-watch"][data-code="DRIFT.INVALID_FEEDBACK"]';
    expect(await page.locator(learnerRow).count()).toBe(0);
    expect(await page.locator(driftRow).count()).toBe(0);
    await produceRawFeedback(['{ not json', '{"also": "not an event"}']);
    await expect.poll(() => page.textContent(`${learnerRow} td:last-child`).catch(() => null), { timeout: 30_000 }).toBe('2');
    await expect.poll(() => page.textContent(`${driftRow} td:last-child`).catch(() => null), { timeout: 30_000 }).toBe('2');
    const counted = (await gateway.GET('/v1/admin/overview/dead-letters')).data!;
    await expect.poll(() => page.textContent('[data-figure=dead-letters] strong'), { timeout: 10_000 }).toBe(String(counted.total));
    await page.screenshot({ path: join(artefacts, 'overview-operations.png'), fullPage: true });
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

  it('resumes the alert feed after the stream drops: alerts stored meanwhile arrive once, none is lost or repeated', async () => {
    await page.goto(`${consoleUrl}#/drift?domain=movies&severity=warning`);
    const state = () => page.getAttribute('#stream-state', 'data-state');
    const received = async () => Number((await page.getAttribute('#stream-state', 'data-received')) ?? 0);
    await expect.poll(state, { timeout: 15_000 }).toBe('live');
    const streamRequests: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/alerts/stream')) streamRequests.push(request.headers()['last-event-id']);
    });
    const producer = new AlertProducer(stack);
    await producer.connect();
    const before = driftAlert(101, { domain: 'movies', severity: 'warning' });
    await producer.send([before]);
    await page.waitForSelector(`tr[data-alert="${before.alertId}"].live`, { timeout: 15_000 });
    expect(await received()).toBe(1);

    // The stream drops (the notifier's sockets are cut) and stays down: reconnections wait until released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      await released;
      await route.continue();
    };
    await page.route('**/v1/alerts/stream**', hold);
    const errorsBeforeDrop = errors.length;
    (running.apps.notifier.getHttpServer() as Server).closeAllConnections();
    await expect.poll(state, { timeout: 10_000 }).toBe('reconnecting');
    // Chromium logs the cut socket itself as a failed resource: that line is the drop this test makes, not an error of
    // the console, so it (and only it) is taken out of what the last test checks.
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(errorsBeforeDrop);
    const dropped = errors.splice(errorsBeforeDrop);
    expect(dropped).toEqual([expect.stringMatching(/Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING$/)]);
    const missed = [driftAlert(102, { domain: 'movies', severity: 'warning' }), driftAlert(103, { domain: 'movies', severity: 'warning' })];
    await producer.send(missed);
    await producer.disconnect();
    const storedSeq = await pollUntil(
      async () => (await running.db.query(`SELECT seq::text AS seq, alert_id FROM notifier_alerts WHERE alert_id = ANY($1) ORDER BY seq`, [[before.alertId, ...missed.map((a) => a.alertId)]])) as { seq: string }[],
      (rows) => rows.length === 3,
      { what: 'the notifier to store the alerts sent while the stream was down' },
    );
    for (const alert of missed) expect(await page.locator(`tr[data-alert="${alert.alertId}"]`).count()).toBe(0);

    release();
    await page.unroute('**/v1/alerts/stream**', hold);
    for (const alert of missed) await page.waitForSelector(`tr[data-alert="${alert.alertId}"].live`, { timeout: 15_000 });
    await expect.poll(state, { timeout: 10_000 }).toBe('live');
    // Resumed after the last alert it had (Last-Event-ID), so each alert was delivered once.
    expect(streamRequests.at(-1)).toBe(storedSeq[0]!.seq);
    expect(await received()).toBe(3);
    for (const alert of [before, ...missed]) expect(await page.locator(`tr[data-alert="${alert.alertId}"]`).count()).toBe(1);
    await page.screenshot({ path: join(artefacts, 'drift-resumed.png'), fullPage: true });
  });

  it("acknowledges an alert drift-watch raised from the console", async () => {
    const [open] = await alertsOf({ domain: 'news', subject: 'ann', acknowledged: 'false' });
    expect(open).toBeDefined();
    await page.goto(`${consoleUrl}#/drift?domain=news`);
    await page.click(`button[data-ack="${open!.alertId}"]`);
    await expect.poll(() => page.textContent(`tr[data-alert="${open!.alertId}"] td:last-child`), { timeout: 10_000 }).toBe('acknowledged by console');
    const stored = await gateway.GET('/v1/admin/drift/alerts/{id}', { params: { path: { id: open!.alertId } } });
    expect(stored.data).toMatchObject({ acknowledgedBy: 'console', acknowledgedNote: 'acknowledged in the console' });
    expect(stored.data!.acknowledgedAt).not.toBeNull();
  });

  it('draws the population series of a metric with the alerts on it marked, a new alert without a reload', async () => {
    await page.goto(`${consoleUrl}#/drift?domain=news&metric=mean-exposure-entropy`);
    await expect.poll(() => page.locator('#series-chart svg .mark-line path').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const marks = () => page.locator('#series-chart svg .mark-rule line').count();
    const marked = await marks();
    await expect.poll(() => page.getAttribute('#stream-state', 'data-state'), { timeout: 15_000 }).toBe('live');
    const series = (await gateway.GET('/v1/admin/drift/series/population', { params: { query: { domain: 'news', metric: 'mean-exposure-entropy' } } })).data!.points;
    const at = series[Math.floor(series.length / 2)]!.bucketStart;
    const alert = driftAlert(201, { scope: 'population', subject: 'news', domain: 'news', metric: 'mean-exposure-entropy', window: { start: series[0]!.bucketStart, end: at, observations: 10 } });
    const producer = new AlertProducer(stack);
    await producer.connect();
    await producer.send([alert]);
    await producer.disconnect();
    await expect.poll(marks, { timeout: 15_000 }).toBe(marked + 1);
    await page.screenshot({ path: join(artefacts, 'drift-series.png'), fullPage: true });
  });

  it("shows a user's model against the aggregate and their calibrated list", async () => {
    await page.goto(`${consoleUrl}#/users/user-1?domain=movies`);
    await page.waitForSelector('#calibrated-list', { timeout: 15_000 });
    const lists = (await gateway.GET('/v1/admin/users/{id}/lists', { params: { path: { id: 'user-1' }, query: { domain: 'movies' } } })).data!;
    // The accuracy list as long as the calibrated one, so they compare item for item.
    expect(await page.locator('#accuracy-list li').count()).toBe(lists.calibrated!.n);
    expect(lists.accuracy.items).toHaveLength(lists.calibrated!.n);
    expect((await page.locator('#calibrated-list li').allTextContents()).map((t) => t.split(' ')[0])).toEqual(lists.calibrated!.items.map((i) => i.itemId));
    expect(Number(await page.textContent('[data-kl-before]'))).toBeCloseTo(lists.calibrated!.klBefore, 3);
    expect(Number(await page.textContent('[data-kl-after]'))).toBeCloseTo(lists.calibrated!.klAfter, 3);
    expect(await page.textContent('[data-minority-after]')).toBe(`${(100 * lists.calibrated!.minorityShare.listShare).toFixed(1)} %`);
    expect(await page.textContent('[data-minority-before]')).toBe(`${(100 * lists.calibrated!.minorityShare.listShareBefore).toFixed(1)} %`);
    // The personas the model read returns.
    const model = (await gateway.GET('/v1/users/{id}/model', { params: { path: { id: 'user-1' }, query: { domain: 'movies' } } })).data!;
    expect(await page.locator('#persona-table tbody tr').count()).toBe(model.personas.length);
    expect(model.personas.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#model-chart svg .mark-symbol path').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(artefacts, 'user.png'), fullPage: true });
  });

  it("shows a user's label reliability beside the effective weight of their judgments, and says when there are none", async () => {
    // Three users judge the same four pairs twice each, in both shown positions and two framings: judge-a and judge-b
    // agree throughout; judge-c always picks the first-shown item, so it agrees with them only half the time.
    const pairs = [0, 1, 2, 3].map((k) => [`item-${k}`, `item-${k + 7}`] as const);
    const start = Date.now() - 60_000;
    const judgments = (['judge-a', 'judge-b', 'judge-c'] as const).flatMap((userId, u) =>
      pairs.flatMap(([a, b], k) =>
        [0, 1].map((round) => {
          const firstShown = round === 0 ? a : b;
          const [chosenId, rejectedId] = userId === 'judge-c' ? (firstShown === a ? [a, b] : [b, a]) : [a, b];
          return {
            eventId: seededUuid(`console-reliability:${u}:${k}:${round}`),
            userId,
            domain: 'movies',
            occurredAt: new Date(start + 1000 * (u * 8 + k * 2 + round)).toISOString(),
            type: 'pairwise',
            chosenId,
            rejectedId,
            context: { framingId: round === 0 ? 'short' : 'long', position: chosenId === firstShown ? 0 : 1 },
          };
        }),
      ),
    );
    // And a user with a rating only: no pairwise judgment, so nothing to measure.
    const rating = { eventId: seededUuid('console-reliability:rater'), userId: 'rater-only', domain: 'movies', occurredAt: new Date(start).toISOString(), type: 'rating', itemId: 'item-3', value: 4 };
    expect((await gateway.POST('/v1/feedback', { body: { events: [...judgments, rating] } as never })).error).toBeUndefined();
    const read = (id: string) => gateway.GET('/v1/users/{id}/reliability', { params: { path: { id }, query: { domain: 'movies' } } });
    const modelOf = (id: string) => gateway.GET('/v1/users/{id}/model', { params: { path: { id }, query: { domain: 'movies' } } });
    for (const id of ['judge-a', 'judge-b', 'judge-c'])
      await pollUntil(async () => (await read(id)).data?.judgments ?? 0, (n) => n === 8, { timeoutMs: 60_000, what: `the learner to apply ${id}'s judgments` });
    await pollUntil(async () => (await modelOf('rater-only')).data?.eventsSeen ?? 0, (n) => n === 1, { timeoutMs: 60_000, what: "the learner to apply rater-only's rating" });

    const report = (await read('judge-c')).data!;
    const weight = (await modelOf('judge-c')).data!.effectiveWeight;
    // The planted behaviour shows in the answer (so the figures compared below are not all zeros and ones).
    expect(report.reliability.agree + report.reliability.disagree).toBeGreaterThan(0);
    // Eight first-shown choices of eight: Beta(1 + 8, 1 + 0) has mean 9/10, and ½ lies beyond two sd (0.09).
    expect(report.conditionEffects.position).toMatchObject({ judgments: 8, detected: true });
    expect(report.conditionEffects.position.firstShownShare).toBeCloseTo(9 / 10, 12);
    expect(weight.judgments).toBe(8);

    await page.goto(`${consoleUrl}#/users/judge-c?domain=movies`);
    await page.waitForSelector('#reliability [data-rel=reliability]', { timeout: 15_000 });
    const shown = async (name: string) => (await page.textContent(`#reliability [data-rel=${name}]`))!;
    const numbers = async (name: string) => (await shown(name)).split(/ [±·] /).map((text) => Number(text.replace(' %', '')));
    const [mean, sd] = await numbers('reliability');
    expect(mean).toBeCloseTo(report.reliability.mean, 3);
    expect(sd).toBeCloseTo(report.reliability.sd, 3);
    expect(await numbers('judgments')).toEqual([report.judgments, report.signals]);
    expect((await numbers('mean-weight'))[0]).toBeCloseTo(report.meanWeight, 3);
    const [aggregateWeight, personalWeight] = await numbers('effective-weight');
    expect(aggregateWeight).toBeCloseTo(weight.aggregate, 3);
    expect(personalWeight).toBeCloseTo(weight.personalized, 3);
    for (const name of ['genuine', 'non-attitude', 'constructed', 'unknown'] as const) {
      const cells = await page.locator(`#reliability-classes tr[data-class="${name}"] td`).allTextContents();
      expect(Number(cells[1])).toBe(report.classCounts[name]);
      if (name !== 'unknown') expect(Number(cells[2]!.replace(' %', '')) / 100).toBeCloseTo(report.classShares[name], 3);
    }
    const [positionShare, positionSd] = await numbers('position');
    expect(positionShare / 100).toBeCloseTo(report.conditionEffects.position.firstShownShare, 3);
    expect(positionSd / 100).toBeCloseTo(report.conditionEffects.position.sd, 3);
    expect(await shown('position-detected')).toBe(report.conditionEffects.position.detected ? 'detected' : 'not detected');
    expect(await shown('framing')).toBe(`${report.conditionEffects.framing.flipped} of ${report.conditionEffects.framing.signalsCompared}`);
    await page.locator('#reliability').screenshot({ path: join(artefacts, 'user-reliability.png') });
    await page.screenshot({ path: join(artefacts, 'user-reliability-page.png'), fullPage: true });

    // No pairwise judgments: the route answers 0 and the page says so, with no figure and no error.
    expect((await read('rater-only')).data!.judgments).toBe(0);
    await page.goto(`${consoleUrl}#/users/rater-only?domain=movies`);
    await page.waitForSelector('#reliability #no-judgments', { timeout: 15_000 });
    expect(await page.locator('#reliability [data-rel], #reliability .error').count()).toBe(0);
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
