import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, startFullStack, type ServiceName } from '../../test/support/full-stack';
import { TestStack } from '../../test/support/test-stack';
import { dashboardExpressions, exposedSeriesNames, metricNamesIn } from './promql-metric-names';

/**
 * The Grafana dashboard reads only metrics the services export: every metric name in its queries is checked against
 * what the five services' /metrics answer on a real stack (scraped, not a list copied by hand).
 */
describe('Grafana dashboard: metric names', () => {
  const stack = new TestStack(2);
  let running: Awaited<ReturnType<typeof startFullStack>>;
  const scraped = {} as Record<ServiceName, string>;

  beforeAll(async () => {
    running = await startFullStack(stack);
    for (const name of SERVICES) {
      const answer = await fetch(`${running.urls[name]}/metrics`);
      expect(answer.status, name).toBe(200);
      scraped[name] = await answer.text();
    }
  });

  afterAll(async () => {
    await running?.stop();
    await stack.stop();
  });

  it('uses only series some service exports', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, 'chorus-dashboard.json'), 'utf8')) as { panels: unknown[] };
    const used = new Set(dashboardExpressions(dashboard).flatMap(metricNamesIn));
    expect(used.size).toBeGreaterThanOrEqual(12);
    const exported = new Set(SERVICES.flatMap((name) => [...exposedSeriesNames(scraped[name])]));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('the gateway reads queue depths and feedback end offsets at scrape time', () => {
    expect(scraped.gateway).toMatch(/^gateway_queue_jobs\{queue="rerank",state="waiting",service="gateway"\} 0$/m);
    expect(scraped.gateway).toMatch(/^gateway_queue_jobs\{queue="webhook-deliveries",state="waiting",service="gateway"\} 0$/m);
    expect(scraped.gateway).toMatch(/^gateway_feedback_end_offset\{partition="1",service="gateway"\} \d+$/m);
    expect(running.fatal()).toEqual([]);
  });
});
