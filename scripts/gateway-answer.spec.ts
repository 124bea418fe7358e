import { createGatewayClient } from '@chorus/api-client';
import { describe, expect, it } from 'vitest';
import { GatewayError, gatewayAnswer } from './gateway-answer';

/**
 * The demo's and the audit's reading of the typed client's answers. The gateway itself is exercised by the audit and
 * demo e2e runs; here a fetch that answers what a hostile or broken server might stands in, to pin the messages.
 */
function client(answer: () => Response | Promise<Response>) {
  return createGatewayClient({ baseUrl: 'http://gateway.test', apiKey: 'k', fetch: async () => answer() });
}

const post = (c: ReturnType<typeof client>) => gatewayAnswer('POST /v1/feedback', c.POST('/v1/feedback', { body: { events: [] } }));

describe('gatewayAnswer', () => {
  it('returns the data of a 2xx answer', async () => {
    const c = client(() => new Response('{"accepted": 3}', { status: 202, headers: { 'content-type': 'application/json' } }));
    expect(await post(c)).toEqual({ accepted: 3 });
  });

  it('says the route, status, message and issues of a refusal', async () => {
    const c = client(() => Response.json({ code: 'VALIDATION', message: 'invalid batch', issues: [{ path: ['events'], message: 'too small' }] }, { status: 400 }));
    const error = await post(c).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as Error).message).toBe('POST /v1/feedback answered 400: invalid batch [{"path":["events"],"message":"too small"}]');
  });

  it('quotes (cut to 500 characters) an error that is not the error body: a proxy page, an unexpected shape', async () => {
    const html = `<html>${'x'.repeat(1000)}</html>`;
    await expect(post(client(() => new Response(html, { status: 502 })))).rejects.toThrow(`POST /v1/feedback answered 502: ${html.slice(0, 500)}`);
    await expect(post(client(() => Response.json([1, 2], { status: 500 })))).rejects.toThrow('POST /v1/feedback answered 500: [1,2]');
  });

  it('reports a 2xx that is not JSON, one with no body, and a network failure', async () => {
    await expect(post(client(() => new Response('<html>ok</html>', { status: 200 })))).rejects.toThrow(/^POST \/v1\/feedback failed: .*JSON/);
    await expect(post(client(() => new Response(null, { status: 204 })))).rejects.toThrow('POST /v1/feedback answered 204 with no body');
    await expect(
      post(
        client(() => {
          throw new TypeError('fetch failed');
        }),
      ),
    ).rejects.toThrow('POST /v1/feedback failed: fetch failed');
  });
});
