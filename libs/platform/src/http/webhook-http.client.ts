import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkTargetShape, refuseIpLiteral, systemResolver, vettedLookup, type OutboundTargetPolicy, type ResolveAll } from './outbound-target.policy';

export interface WebhookResponse {
  status: number;
  /** The start of the response body (for the delivery log), bounded by `maxResponseBytes`. */
  bodySnippet: string;
  durationMs: number;
}

/** The request did not produce an HTTP response (refused target, DNS, connect, TLS, timeout). */
export class WebhookRequestError extends Error {
  readonly code = 'WEBHOOK.REQUEST_FAILED';
  constructor(
    message: string,
    /** The target is not allowed by policy: retrying cannot help. */
    readonly refused: boolean,
    readonly durationMs: number,
  ) {
    super(message);
    this.name = 'WebhookRequestError';
  }
}

export interface WebhookHttpClientOptions {
  timeoutMs: number;
  maxResponseBytes?: number;
  userAgent?: string;
  resolve?: ResolveAll;
}

/**
 * POSTs webhook bodies. Every connection goes through the outbound-target policy at connect time (the resolved
 * addresses are vetted, IP literals checked before connecting), redirects are never followed (a redirect could point
 * anywhere, including inside the network), and the whole exchange has one deadline.
 */
export class WebhookHttpClient {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
  private readonly lookup;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(
    private readonly policy: OutboundTargetPolicy,
    private readonly options: WebhookHttpClientOptions,
  ) {
    this.lookup = vettedLookup(policy, options.resolve ?? systemResolver);
    this.maxResponseBytes = options.maxResponseBytes ?? 2048;
    this.userAgent = options.userAgent ?? 'Chorus-Webhooks/1';
  }

  async post(target: string, body: string, headers: Record<string, string>): Promise<WebhookResponse> {
    const started = Date.now();
    const shape = checkTargetShape(target, this.policy);
    if (!shape.ok) throw new WebhookRequestError(`the URL ${shape.reason}`, true, 0);
    const literal = refuseIpLiteral(shape.url, this.policy);
    if (literal) throw new WebhookRequestError(literal, true, 0);
    const url = shape.url;
    const payload = Buffer.from(body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

    return new Promise<WebhookResponse>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        outcome();
      };
      const request = send(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': this.userAgent },
      });
      const deadline = setTimeout(() => request.destroy(new Error(`no complete response within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish(() => reject(new WebhookRequestError(describe(error), error.code === 'ETARGETREFUSED', Date.now() - started))),
      );
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < this.maxResponseBytes) chunks.push(chunk.subarray(0, this.maxResponseBytes - size));
          size += chunk.length;
        });
        response.on('end', () =>
          finish(() => resolve({ status: response.statusCode ?? 0, bodySnippet: Buffer.concat(chunks).toString('utf8'), durationMs: Date.now() - started })),
        );
        response.on('error', (error) => finish(() => reject(new WebhookRequestError(describe(error), false, Date.now() - started))));
      });
      request.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
}
