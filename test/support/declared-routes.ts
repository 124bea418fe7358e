import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { rateLimitClassOf, routeAccessOf } from '@chorus/platform';

/**
 * Every route a controller class declares, as `METHOD /path → access` lines (`scope:<scope>`, `public`, `metrics`, or
 * `UNDECLARED`), plus ` (rate class <name>)` when the route has its own quota class: what unit specs of controllers
 * hold as a literal table, so a route that loses or changes its scope fails a test without starting a server.
 */
export function declaredRoutes(controller: new (...args: never[]) => object): string[] {
  const reflector = new Reflector();
  const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
  const prototype = controller.prototype as Record<string, unknown>;
  const lines: string[] = [];
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = prototype[name];
    if (name === 'constructor' || typeof handler !== 'function') continue;
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    if (path === undefined) continue;
    const method = RequestMethod[(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) ?? RequestMethod.GET];
    const full = `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
    const access = routeAccessOf(reflector, handler, controller);
    const described = !access ? 'UNDECLARED' : access.kind === 'scope' ? `scope:${access.scope}` : access.kind;
    const rateClass = rateLimitClassOf(reflector, handler, controller);
    lines.push(`${method} ${full} → ${described}${rateClass ? ` (rate class ${rateClass})` : ''}`);
  }
  return lines;
}
