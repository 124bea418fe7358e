import type { NextFunction, Request, Response } from 'express';
import type { Scope } from './api-key';
import type { ApiKeyRepository } from './api-key.repository';

/**
 * Express middleware with the rule of `ApiKeyGuard` for routes Nest does not own (the Bull Board dashboard is a plain
 * Express router). Accepts `Authorization: Bearer <key>`, `x-api-key`, or HTTP Basic with the key as the password —
 * the last so a browser can open the dashboard: it answers 401 with a Basic challenge and the browser asks for the key
 * once, then sends it with every request of the page.
 */
export function apiKeyMiddleware(keys: ApiKeyRepository, required: Scope, realm = 'chorus-admin') {
  const cache = new Map<string, { scopes: Scope[]; until: number }>();
  const scopesOf = async (key: string): Promise<Scope[] | undefined> => {
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && cached.until > now) return cached.scopes;
    const record = await keys.findActive(key);
    if (!record) return undefined;
    // The dashboard polls every few seconds: a short cache saves a write per poll, and a revoked key stops within 5 s.
    if (cache.size > 1000) cache.clear();
    cache.set(key, { scopes: record.scopes, until: now + 5_000 });
    return record.scopes;
  };
  const refuse = (response: Response, status: number, code: string, message: string) => {
    if (status === 401) response.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    response.status(status).json({ code, message });
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    const key = presentedKey(request);
    if (!key) return refuse(response, 401, 'AUTH.MISSING_KEY', 'send an API key with the admin scope ("Authorization: Bearer <key>", or as the password of HTTP Basic)');
    scopesOf(key).then(
      (scopes) => {
        if (!scopes) return refuse(response, 401, 'AUTH.INVALID_KEY', 'the API key is unknown or revoked');
        if (!scopes.includes(required) && !scopes.includes('admin')) {
          return refuse(response, 403, 'AUTH.MISSING_SCOPE', `this route needs the "${required}" scope; the key has ${scopes.join(', ')}`);
        }
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

function presentedKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon >= 0 ? decoded.slice(colon + 1) : decoded) || undefined;
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}
