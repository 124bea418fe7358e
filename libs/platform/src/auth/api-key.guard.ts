import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import type { Scope } from './api-key';
import { ApiKeyRepository } from './api-key.repository';

const SCOPE_KEY = 'chorus:required-scope';

/** The scope a route needs; routes without it are public (health, metrics, docs). */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

/** The verified key behind a request: who is calling (its id owns what it creates), never the secret itself. */
export interface CallerKey {
  id: string;
  name: string;
  scopes: Scope[];
}

const CALLER_KEY = Symbol('chorus:caller-key');

/** The key the guard verified for this request (undefined on public routes). */
export function callerKeyOf(request: object): CallerKey | undefined {
  return (request as { [CALLER_KEY]?: CallerKey })[CALLER_KEY];
}

/**
 * Parameter decorator: the calling key of a `@RequireScope` route. Controllers pass `caller.id` to use cases that
 * scope data by owner (a subscriber sees only its own subscriptions).
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): CallerKey => {
  const caller = callerKeyOf(context.switchToHttp().getRequest<object>());
  // Only reachable when a route forgot @RequireScope: fail closed rather than act for nobody.
  if (!caller) throw new DomainError('AUTH.MISSING_KEY', 'this route needs an API key ("Authorization: Bearer <key>")');
  return caller;
});

/**
 * Checks `Authorization: Bearer <key>` (or `x-api-key`) against the stored hashes. `admin` implies every scope.
 * Verified keys are cached briefly so ingestion does not pay a database round trip per request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { caller: CallerKey; until: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : (request.headers['x-api-key'] as string | undefined);
    if (!key) throw new DomainError('AUTH.MISSING_KEY', 'send an API key as "Authorization: Bearer <key>"; create one with the gateway CLI: api-key create');
    const caller = await this.callerOf(key);
    if (!caller) throw new DomainError('AUTH.INVALID_KEY', 'the API key is unknown or revoked');
    const scopes = caller.scopes;
    if (!scopes.includes(required) && !scopes.includes('admin')) {
      throw new DomainError('AUTH.MISSING_SCOPE', `this route needs the "${required}" scope; the key has ${scopes.join(', ')}`);
    }
    (request as { [CALLER_KEY]?: CallerKey })[CALLER_KEY] = caller;
    return true;
  }

  private async callerOf(key: string): Promise<CallerKey | undefined> {
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.caller;
    const record = await this.keys.findActive(key);
    if (!record) return undefined;
    // Short TTL: a revoked key stops working within seconds without a lookup per request.
    const caller: CallerKey = { id: record.id, name: record.name, scopes: record.scopes };
    this.cache.set(key, { caller, until: now + 5_000 });
    return caller;
  }
}
