import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ExecutionContext, Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { JsonLogger } from '../logging/json-logger';
import { ApiKeyRepository } from './api-key.repository';
import { ACCESS_POLICY, ApiKeyGuard, callerKeyOf, type AccessPolicy } from './api-key.guard';
import { ApiKeyVerifier } from './api-key.verifier';
import { rateLimitClassOf, routeAccessOf } from './route-access';
import { RouteAccessCheck } from './route-access.check';

/** Per-key request quotas, counted in Redis so every instance of a service shares them. */
export interface QuotaOptions {
  windowMs: number;
  /**
   * Requests per key and window, by rate-limit class. A route's class is its scope (`ingest`, `read`, `admin`,
   * `subscriber`) unless it declares another with `@RateLimitClass` (`ping`); a class without a limit is not limited.
   */
  perKey: Record<string, number>;
  /** Keys not in a process's cache looked up per client address and window (bounds what guessing keys costs). */
  keyLookupsPerAddress: number;
  /** Namespace of the counters in Redis. */
  prefix: string;
}

export interface AccessControlOptions {
  policy: AccessPolicy;
  /** Needs a `Redis` provider in the module. Unset: no quotas, and key lookups are not limited. */
  quotas?: QuotaOptions;
}

/**
 * Authorization and quotas of a service's HTTP routes, as providers to spread into its module: the API key
 * verifier, the fail-closed `ApiKeyGuard`, then (with quotas) `@nestjs/throttler`'s guard keyed by the verified key's
 * id, on `@nest-lab/throttler-storage-redis`, and the boot-time `RouteAccessCheck`.
 *
 * Guard order matters and is the order of registration: the key is verified first (an invalid key costs no quota
 * counter; see `ApiKeyVerifier` for what it costs), then the verified key's quota is counted. One throttler, whose
 * limit is resolved per route class, rather than one named throttler per class: a named throttler sets
 * `Retry-After-<name>`, and clients (and RFC 9110) know `Retry-After`.
 */
export function accessControlProviders(options: AccessControlOptions): Provider[] {
  const quotas = options.quotas;
  const providers: Provider[] = [
    { provide: ACCESS_POLICY, useValue: options.policy },
    { provide: ApiKeyRepository, inject: [DataSource], useFactory: (db: DataSource) => new ApiKeyRepository(db) },
    // DiscoveryModule's two providers, without importing the module into every service's module.
    DiscoveryService,
    MetadataScanner,
    RouteAccessCheck,
  ];
  if (!quotas) {
    providers.push({ provide: ApiKeyVerifier, inject: [ApiKeyRepository], useFactory: (keys: ApiKeyRepository) => new ApiKeyVerifier(keys) });
    providers.push({ provide: APP_GUARD, useClass: ApiKeyGuard });
    return providers;
  }
  providers.push(
    {
      provide: getStorageToken(),
      inject: [Redis, JsonLogger],
      useFactory: (redis: Redis, logger: JsonLogger) => failOpen(new ThrottlerStorageRedisService(redis), logger),
    },
    {
      provide: ApiKeyVerifier,
      inject: [ApiKeyRepository, getStorageToken()],
      useFactory: (keys: ApiKeyRepository, storage: ThrottlerStorage) =>
        new ApiKeyVerifier(keys, { lookups: { storage, limit: quotas.keyLookupsPerAddress, windowMs: quotas.windowMs, prefix: quotas.prefix } }),
    },
    { provide: getOptionsToken(), useValue: throttlerOptions(quotas) },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ThrottlerGuard },
  );
  return providers;
}

function throttlerOptions(quotas: QuotaOptions): ThrottlerModuleOptions {
  const reflector = new Reflector();
  const classOf = (context: ExecutionContext): string | undefined => {
    const declared = rateLimitClassOf(reflector, context.getHandler(), context.getClass());
    if (declared) return declared;
    const access = routeAccessOf(reflector, context.getHandler(), context.getClass());
    return access?.kind === 'scope' ? access.scope : undefined;
  };
  const limitOf = (context: ExecutionContext): number | undefined => {
    const name = classOf(context);
    return name !== undefined && Object.hasOwn(quotas.perKey, name) ? quotas.perKey[name] : undefined;
  };
  const seconds = quotas.windowMs / 1000;
  return {
    throttlers: [{ name: 'default', ttl: quotas.windowMs, limit: (context) => limitOf(context) ?? Number.MAX_SAFE_INTEGER }],
    // Public routes (no verified key) and classes without a limit are not counted.
    skipIf: (context) => !callerKeyOf(context.switchToHttp().getRequest<object>()) || limitOf(context) === undefined,
    // The verified key's id, never the presented secret: the guard ran first and stored it on the request.
    getTracker: (request) => callerKeyOf(request)!.id,
    // Per class, not per handler (the library's default): a key's ingest quota is one budget across ingest routes.
    generateKey: (context, tracker) => `${quotas.prefix}:quota:${classOf(context)}:${tracker}`,
    errorMessage: (context, detail) =>
      `this key made more than ${detail.limit} requests to ${classOf(context)} routes within ${seconds} s; retry after ${detail.timeToBlockExpire} s, or ask for a higher quota`,
  };
}

/**
 * Quotas protect capacity; they are not authorization. If Redis cannot count, requests are let through (and the
 * outage logged, at most every 10 s) rather than every key locked out of ingestion, which needs only Kafka.
 */
function failOpen(storage: ThrottlerStorage, logger: JsonLogger): ThrottlerStorage {
  const log = logger.child('quotas');
  let lastWarned = 0;
  return {
    async increment(key, ttl, limit, blockDuration, throttlerName) {
      try {
        return await storage.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        if (Date.now() - lastWarned > 10_000) {
          lastWarned = Date.now();
          log.warn('quota counters are unavailable (Redis); requests are not limited until it answers', { error: (error as Error).message });
        }
        return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
      }
    },
  };
}
