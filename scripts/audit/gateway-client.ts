/** A failed gateway call: the route, the status and what the gateway said. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The audit's HTTP client of the gateway: JSON in and out, the admin key, errors that say what was refused and why. */
export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) {
      let detail = text.slice(0, 500);
      try {
        const answer = JSON.parse(text) as { message?: string; issues?: unknown };
        detail = `${answer.message ?? ''} ${answer.issues ? JSON.stringify(answer.issues).slice(0, 500) : ''}`.trim();
      } catch {
        // not JSON: keep the text
      }
      throw new GatewayError(response.status, `${method} ${path.split('?')[0]} answered ${response.status}: ${detail}`);
    }
    return JSON.parse(text) as T;
  }
}

/** Runs `task` over `inputs` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(inputs: readonly T[], limit: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await task(inputs[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}
