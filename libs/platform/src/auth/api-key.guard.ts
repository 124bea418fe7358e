import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import type { CallerKey, Scope } from './api-key';
import { ApiKeyVerifier } from './api-key.verifier';
import { routeAccessOf } from './route-access';

/** What a service decides about access by configuration. */
export interface AccessPolicy {
  /** The scope `/metrics` needs (METRICS_SCOPE); unset, it is public. */
  metricsScope?: Scope;
}

export const ACCESS_POLICY = Symbol('ACCESS_POLICY');

const CALLER_KEY = Symbol('chorus:caller-key');

/** The key the guard verified for this request (undefined on public routes). */
export function callerKeyOf(request: object): CallerKey | undefined {
  return (request as { [CALLER_KEY]?: CallerKey })[CALLER_KEY];
}

/** The client address requests are counted by: IPv6 addresses by their /64, as one host usually holds a whole /64. */
export function clientAddressOf(request: Request): string {
  return normalizeIp(request.ip ?? request.socket.remoteAddress ?? 'unknown', 64);
}

/**
 * Parameter decorator: the calling key of a `@RequireScope` route. Controllers pass `caller.id` to use cases that
 * scope data by owner (a subscriber sees only its own subscriptions).
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): CallerKey => {
  const caller = callerKeyOf(context.switchToHttp().getRequest<object>());
  // Only reachable on a public route that asks for a caller: fail closed rather than act for nobody.
  if (!caller) throw new DomainError('AUTH.MISSING_KEY', 'this route needs an API key ("Authorization: Bearer <key>")');
  return caller;
});

/**
 * Fail-closed authorization: a route is served only if it declares its access (`@RequireScope`, `@Public`,
 * `@MetricsAccess`); one that declares nothing is refused (and `RouteAccessCheck` stops the service at boot before
 * that can happen). A scoped route needs `Authorization: Bearer <key>` (or `x-api-key`) with the scope; `admin`
 * implies every scope. Runs before the rate limiter, so an invalid key is refused before any quota is counted.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyVerifier) private readonly verifier: ApiKeyVerifier,
    @Inject(ACCESS_POLICY) private readonly policy: AccessPolicy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccessOf(this.reflector, context.getHandler(), context.getClass());
    if (!access) {
      throw new DomainError('AUTH.ROUTE_UNDECLARED', `${context.getClass().name}.${context.getHandler().name} declares no access (@RequireScope or @Public), so it is refused; this is a server bug`);
    }
    const required = access.kind === 'scope' ? access.scope : access.kind === 'metrics' ? this.policy.metricsScope : undefined;
    if (!required) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization;
    const apiKey = request.headers['x-api-key'];
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof apiKey === 'string' ? apiKey : undefined;
    if (!key) throw new DomainError('AUTH.MISSING_KEY', 'send an API key as "Authorization: Bearer <key>"; create one with the gateway CLI: api-key create');
    const caller = await this.verifier.verify(key, clientAddressOf(request));
    if (!caller) throw new DomainError('AUTH.INVALID_KEY', 'the API key is unknown or revoked');
    const scopes = caller.scopes;
    if (!scopes.includes(required) && !scopes.includes('admin')) {
      throw new DomainError('AUTH.MISSING_SCOPE', `this route needs the "${required}" scope; the key has ${scopes.join(', ')}`);
    }
    (request as { [CALLER_KEY]?: CallerKey })[CALLER_KEY] = caller;
    return true;
  }
}
