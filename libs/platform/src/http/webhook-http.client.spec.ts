import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundTarget, type ResolveAll } from './outbound-target.policy';
import { WebhookHttpClient, WebhookRequestError } from './webhook-http.client';

/** A real local HTTP server; the client under test talks to it over real sockets. */
describe('WebhookHttpClient', () => {
  let server: Server;
  let base: string;
  const received: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const lenient = new WebhookHttpClient({ allowHttp: true, allowPrivateTargets: true }, { timeoutMs: 500, maxResponseBytes: 16 });
  const strict = new WebhookHttpClient({ allowHttp: true, allowPrivateTargets: false }, { timeoutMs: 500 });

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString() });
        if (request.url === '/ok') return void response.writeHead(204).end();
        if (request.url === '/fail') return void response.writeHead(503).end('x'.repeat(100));
        if (request.url === '/redirect') return void response.writeHead(302, { location: '/ok' }).end();
        if (request.url === '/slow') return void setTimeout(() => response.writeHead(200).end(), 2_000);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    lenient.close();
    strict.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the exact body with the given headers and reports the status', async () => {
    const body = '{"a":"ü"}';
    const response = await lenient.post(`${base}/ok`, body, { 'chorus-delivery-id': 'd-1' });
    expect(response.status).toBe(204);
    const request = received.find((r) => r.url === '/ok')!;
    expect(request.body).toBe(body);
    expect(request.headers['chorus-delivery-id']).toBe('d-1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('keeps only the start of an error response', async () => {
    const response = await lenient.post(`${base}/fail`, '{}', {});
    expect(response).toMatchObject({ status: 503, bodySnippet: 'x'.repeat(16) });
  });

  it('does not follow redirects (a redirect could point inside the network)', async () => {
    const before = received.filter((r) => r.url === '/ok').length;
    const response = await lenient.post(`${base}/redirect`, '{}', {});
    expect(response.status).toBe(302);
    expect(received.filter((r) => r.url === '/ok').length).toBe(before);
  });

  it('gives up at the deadline', async () => {
    const error = await lenient.post(`${base}/slow`, '{}', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookRequestError);
    expect((error as WebhookRequestError).message).toContain('no complete response within 500 ms');
    expect((error as WebhookRequestError).refused).toBe(false);
  });

  it('refuses a loopback IP literal and a host resolving to loopback before any byte is sent', async () => {
    const before = received.length;
    const port = new URL(base).port;
    for (const target of [`${base}/ok`, `http://localhost:${port}/ok`]) {
      const error = await strict.post(target, '{}', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookRequestError);
      expect((error as WebhookRequestError).refused).toBe(true);
      expect((error as WebhookRequestError).message).toContain('loopback address');
    }
    expect(received.length).toBe(before);
  });

  it('checks the address it connects to: a DNS answer rebound to loopback after the subscription check is refused, with one lookup per connection', async () => {
    // The attacker's DNS answers a public address to the subscription-time check, then 127.0.0.1.
    const answers = ['93.184.215.14', '127.0.0.1'];
    const calls: string[] = [];
    const rebinding: ResolveAll = async (host) => {
      calls.push(host);
      const address = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return [{ address, family: 4 }];
    };
    const policy = { allowHttp: true, allowPrivateTargets: false };
    const port = new URL(base).port;
    const target = `http://rebind.example.com:${port}/ok`;
    expect(await checkOutboundTarget(target, policy, rebinding)).toMatchObject({ ok: true });
    const client = new WebhookHttpClient(policy, { timeoutMs: 500, resolve: rebinding });
    const before = received.length;
    const error = await client.post(target, '{}', {}).catch((e: unknown) => e);
    client.close();
    expect(error).toBeInstanceOf(WebhookRequestError);
    expect((error as WebhookRequestError).refused).toBe(true);
    expect((error as WebhookRequestError).message).toContain('resolves to 127.0.0.1, a loopback address');
    expect(calls).toEqual(['rebind.example.com', 'rebind.example.com']); // the check, then exactly one lookup for the connection
    expect(received.length).toBe(before);
  });

  it('reports a connection failure as retryable', async () => {
    const error = await lenient.post('http://127.0.0.1:1/ok', '{}', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookRequestError);
    expect((error as WebhookRequestError).refused).toBe(false);
    expect((error as WebhookRequestError).message).toContain('ECONNREFUSED');
  });
});
