import type { NextFunction, Request, Response } from 'express';
import { RateLimitedError } from '../errors/rate-limited.error';
import type { Scope } from './api-key';
import { clientAddressOf } from './api-key.guard';
import type { ApiKeyVerifier } from './api-key.verifier';

/**
 * Express middleware with the rule of `ApiKeyGuard` for routes Nest does not own (the Bull Board dashboard is a plain
 * Express router). Accepts `Authorization: Bearer <key>`, `x-api-key`, or HTTP Basic with the key as the password —
 * the last so a browser can open the dashboard: it answers 401 with a Basic challenge and the browser asks for the key
 * once, then sends it with every request of the page. Keys are checked by the same `ApiKeyVerifier` (and its caches)
 * as the guard's.
 */
export function apiKeyMiddleware(verifier: ApiKeyVerifier, required: Scope, realm = 'chorus-admin') {
  const refuse = (response: Response, status: number, code: string, message: string) => {
    if (status === 401) response.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    response.status(status).json({ code, message });
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    const key = presentedKey(request);
    if (!key) return refuse(response, 401, 'AUTH.MISSING_KEY', 'send an API key with the admin scope ("Authorization: Bearer <key>", or as the password of HTTP Basic)');
    verifier.verify(key, clientAddressOf(request)).then(
      (caller) => {
        if (!caller) return refuse(response, 401, 'AUTH.INVALID_KEY', 'the API key is unknown or revoked');
        if (!caller.scopes.includes(required) && !caller.scopes.includes('admin')) {
          return refuse(response, 403, 'AUTH.MISSING_SCOPE', `this route needs the "${required}" scope; the key has ${caller.scopes.join(', ')}`);
        }
        next();
      },
      (error: unknown) => {
        if (!(error instanceof RateLimitedError)) return next(error);
        if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
        refuse(response, 429, error.code, error.message);
      },
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
