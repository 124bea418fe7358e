import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Scope } from './api-key';

/**
 * Who may call a route. Every route declares one (fail closed): a route without a declaration is refused at boot by
 * `RouteAccessCheck`, and at run time by `ApiKeyGuard`.
 *
 * - `scope`: an API key with that scope (or `admin`, which implies every scope);
 * - `public`: anyone (health, docs);
 * - `metrics`: public unless the service is configured with `METRICS_SCOPE`, then that scope.
 */
export type RouteAccess = { kind: 'scope'; scope: Scope } | { kind: 'public' } | { kind: 'metrics' };

const ACCESS_KEY = 'chorus:route-access';
const RATE_CLASS_KEY = 'chorus:rate-class';

/** The scope a route needs. On a controller class, it applies to every route of the class. */
export const RequireScope = (scope: Scope) => SetMetadata<string, RouteAccess>(ACCESS_KEY, { kind: 'scope', scope });

/** A route anyone may call, without a key. Say so explicitly: a route that declares nothing is refused. */
export const Public = () => SetMetadata<string, RouteAccess>(ACCESS_KEY, { kind: 'public' });

/** The Prometheus endpoint: public by default, behind the scope named by `METRICS_SCOPE` when it is set. */
export const MetricsAccess = () => SetMetadata<string, RouteAccess>(ACCESS_KEY, { kind: 'metrics' });

/**
 * The rate-limit class of a route whose quota is not its scope's (e.g. `ping`: test deliveries have their own, smaller
 * quota). By default a route's class is its scope.
 */
export const RateLimitClass = (name: string) => SetMetadata(RATE_CLASS_KEY, name);

/** The access a handler (or its class) declares, or undefined when it declares none. */
export function routeAccessOf(reflector: Reflector, handler: Function, controller: Function): RouteAccess | undefined {
  return reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_KEY, [handler, controller]);
}

/** The rate-limit class a handler (or its class) declares, if any. */
export function rateLimitClassOf(reflector: Reflector, handler: Function, controller: Function): string | undefined {
  return reflector.getAllAndOverride<string | undefined>(RATE_CLASS_KEY, [handler, controller]);
}
