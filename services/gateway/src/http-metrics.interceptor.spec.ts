import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { HttpMetricsInterceptor } from './http-metrics.interceptor';

function context(method: string, route: string | undefined, statusCode: number): ExecutionContext {
  const request = { method, route: route === undefined ? undefined : { path: route } };
  return { switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ statusCode }) }) } as unknown as ExecutionContext;
}

describe('HttpMetricsInterceptor', () => {
  it('counts each request under its method, route pattern (not the raw URL) and final status', async () => {
    const registry = new Registry();
    const interceptor = new HttpMetricsInterceptor(registry);
    const handler: CallHandler = { handle: () => of('ok') };
    await lastValueFrom(interceptor.intercept(context('GET', '/v1/items/:id', 200), handler));
    await lastValueFrom(interceptor.intercept(context('GET', '/v1/items/:id', 200), handler));
    await lastValueFrom(interceptor.intercept(context('POST', undefined, 404), handler));
    const counts = (await registry.getSingleMetric('gateway_http_request_seconds')!.get()).values
      .filter((v) => (v as { metricName?: string }).metricName === 'gateway_http_request_seconds_count')
      .map((v) => [v.labels.method, v.labels.route, v.labels.status, v.value]);
    expect(counts).toEqual([
      ['GET', '/v1/items/:id', '200', 2],
      ['POST', 'unknown', '404', 1],
    ]);
  });
});
