import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import type { Scope } from './api-key';
import { ApiKeyRepository } from './api-key.repository';

const SCOPE_KEY = 'chorus:required-scope';

/** The scope a route needs; routes without it are public (health, metrics, docs). */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

/**
 * Checks `Authorization: Bearer <key>` (or `x-api-key`) against the stored hashes. `admin` implies every scope.
 * Verified keys are cached briefly so ingestion does not pay a database round trip per request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { scopes: Scope[]; until: number }>();

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
    const scopes = await this.scopesOf(key);
    if (!scopes) throw new DomainError('AUTH.INVALID_KEY', 'the API key is unknown or revoked');
    if (!scopes.includes(required) && !scopes.includes('admin')) {
      throw new DomainError('AUTH.MISSING_SCOPE', `this route needs the "${required}" scope; the key has ${scopes.join(', ')}`);
    }
    return true;
  }

  private async scopesOf(key: string): Promise<Scope[] | undefined> {
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.scopes;
    const record = await this.keys.findActive(key);
    if (!record) return undefined;
    // Short TTL: a revoked key stops working within seconds without a lookup per request.
    this.cache.set(key, { scopes: record.scopes, until: now + 5_000 });
    return record.scopes;
  }
}
