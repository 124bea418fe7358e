/**
 * A JSON client for the gateway's REST API in tests: `call(method, path, body?, key?)` answers status and parsed body
 * (null when not JSON). A string body is sent as is (malformed JSON tests); key null sends no Authorization header.
 */
export function jsonApi(baseUrl: () => string, defaultKey: () => string) {
  return async (method: string, path: string, body?: unknown, key: string | null = defaultKey()) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
}

/** The field paths of a 400's issues, sorted: what a validation test compares. */
export const issuePaths = (body: { issues?: { path: string }[] }) => (body.issues ?? []).map((i) => i.path).sort();
