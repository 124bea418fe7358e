import { describe, expect, expectTypeOf, it } from 'vitest';
import { createGatewayClient, createNotifierClient, type GatewaySchemas, type NotifierSchemas } from './index';

/**
 * The client is typed end to end: tsc (`npm run typecheck`, which includes spec files) checks these. The calls are
 * built, never sent: a fetch that records the request stands in, so the runtime part checks the URL the types allow.
 */
describe('typed API clients', () => {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    return new Response(JSON.stringify({ code: 'AUTH.INVALID_KEY', message: 'no such key' }), { status: 401, headers: { 'content-type': 'application/json' } });
  };
  const gateway = createGatewayClient({ baseUrl: 'http://gateway.test/', apiKey: 'k1', fetch });
  const notifier = createNotifierClient({ baseUrl: 'http://notifier.test', apiKey: 'k2', fetch });

  it('types answers and errors from the contracts', async () => {
    const alerts = await gateway.GET('/v1/admin/drift/alerts', { params: { query: { severity: 'critical', limit: '10' } } });
    expectTypeOf(alerts.data).toEqualTypeOf<GatewaySchemas['DriftAlertPage'] | undefined>();
    expectTypeOf(alerts.error).toEqualTypeOf<GatewaySchemas['ErrorBody'] | undefined>();
    expectTypeOf<GatewaySchemas['StoredDriftAlert']['severity']>().toEqualTypeOf<'warning' | 'critical'>();
    expectTypeOf<GatewaySchemas['Recommendations']['calibration']>().toEqualTypeOf<GatewaySchemas['CalibrationSummary'] | undefined>();
    expectTypeOf<GatewaySchemas['CalibrationSummary']['klAfter']>().toEqualTypeOf<number>();
    expect(alerts.error).toEqual({ code: 'AUTH.INVALID_KEY', message: 'no such key' });

    const log = await notifier.GET('/v1/subscriptions/{id}/deliveries', { params: { path: { id: 's1' } } });
    expectTypeOf(log.data).toEqualTypeOf<NotifierSchemas['DeliveryLog'] | undefined>();
    expectTypeOf<NotifierSchemas['DeliveryLogEntry']['status']>().toEqualTypeOf<'pending' | 'retrying' | 'succeeded' | 'dead'>();

    expect(requests.map((r) => `${r.method} ${r.url} ${r.headers.get('authorization')}`)).toEqual([
      'GET http://gateway.test/v1/admin/drift/alerts?severity=critical&limit=10 Bearer k1',
      'GET http://notifier.test/v1/subscriptions/s1/deliveries Bearer k2',
    ]);
  });

  it('refuses at compile time what the API does not have', () => {
    // Built only for tsc: each line must be an error, or the @ts-expect-error itself fails the typecheck.
    const neverCalled = () => {
      // @ts-expect-error no such route
      void gateway.GET('/v1/admin/drift/alertz');
      // @ts-expect-error the path parameter is required
      void gateway.GET('/v1/users/{id}/model', { params: { query: { domain: 'movies' } } });
      // @ts-expect-error severity is an enum
      void gateway.GET('/v1/admin/drift/alerts', { params: { query: { severity: 'mild' } } });
      // @ts-expect-error the stream is the notifier's, not the gateway's
      void gateway.GET('/v1/alerts/stream');
    };
    expect(typeof neverCalled).toBe('function');
  });
});
