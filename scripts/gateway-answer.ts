/** A failed gateway call: the route, the status and what the gateway said. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** What an openapi-fetch call of the typed client (@chorus/api-client) resolves to. */
interface FetchAnswer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * The data of a typed-client call, or a GatewayError naming the route and saying what went wrong: the status and the
 * gateway's message and issues (or the first 500 characters of an answer that is not the error body), a network
 * failure, a 2xx whose body is not JSON, or a 2xx with no body where one was promised.
 */
export async function gatewayAnswer<T>(route: string, call: Promise<FetchAnswer<T>>): Promise<T> {
  let answer: FetchAnswer<T>;
  try {
    answer = await call;
  } catch (error) {
    throw new GatewayError(0, `${route} failed: ${(error as Error).message}`);
  }
  const { data, error, response } = answer;
  if (!response.ok) {
    let detail: string;
    if (typeof error === 'string') detail = error.slice(0, 500);
    else {
      const body = (error ?? {}) as { message?: unknown; issues?: unknown };
      detail = `${typeof body.message === 'string' ? body.message : JSON.stringify(error ?? '').slice(0, 500)} ${body.issues ? JSON.stringify(body.issues).slice(0, 500) : ''}`.trim();
    }
    throw new GatewayError(response.status, `${route} answered ${response.status}: ${detail}`);
  }
  if (data === undefined) throw new GatewayError(response.status, `${route} answered ${response.status} with no body`);
  return data;
}
