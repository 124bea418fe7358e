import { Inject, Injectable, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { routeAccessOf, type RouteAccess } from './route-access';

/** One route of a Nest application and the access it declares. */
export interface DeclaredRoute {
  method: string;
  path: string;
  handler: string;
  access: RouteAccess | undefined;
}

/**
 * At boot, before the server listens: every route of every controller declares its access (`@RequireScope`,
 * `@Public`, `@MetricsAccess`), or the service refuses to start and names the routes that do not. `ApiKeyGuard`
 * refuses such a route at run time too; this makes the omission a startup failure instead of a 403 in production.
 */
@Injectable()
export class RouteAccessCheck implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const undeclared = this.routes().filter((route) => !route.access);
    if (undeclared.length > 0) {
      throw new Error(
        `routes without a declared access (add @RequireScope(<scope>) or, for a route anyone may call, @Public()): ${undeclared.map((r) => `${r.method} ${r.path} (${r.handler})`).join(', ')}`,
      );
    }
  }

  /** Every route handler of the application's controllers. */
  routes(): DeclaredRoute[] {
    const routes: DeclaredRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, (...args: unknown[]) => unknown>;
      const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name]!;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) ?? RequestMethod.GET];
        for (const one of Array.isArray(path) ? path : [path]) {
          routes.push({ method, path: `/${[base, one].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`, handler: `${controller.name}.${name}`, access: routeAccessOf(this.reflector, handler, controller) });
        }
      }
    }
    return routes;
  }
}
