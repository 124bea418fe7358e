import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitedError } from '../errors/rate-limited.error';
import { hashApiKey, isWellFormedApiKey, type CallerKey } from './api-key';
import type { ApiKeyRepository } from './api-key.repository';

/** Keys looked up in Postgres, per client address and window, shared through Redis (`ThrottlerStorage`). */
export interface KeyLookupBudget {
  storage: ThrottlerStorage;
  /** Lookups per client address per window. */
  limit: number;
  windowMs: number;
  /** Namespace of the counters in the storage (stacks sharing one Redis use different ones). */
  prefix: string;
}

export interface ApiKeyVerifierOptions {
  /** Unset: lookups are not limited (services whose only keyed route is /metrics). */
  lookups?: KeyLookupBudget;
  /** How long a verified key is trusted without a lookup: a revoked key stops working within this long. */
  cacheMs?: number;
  /** Verified and refused keys remembered, each (the oldest is forgotten first). */
  maxCached?: number;
}

/** An unknown key stays unknown: keys are random, so one refused is refused again for this long without a lookup. */
const REFUSED_FOR_MS = 60_000;

/**
 * Turns a presented key into its caller, at the least cost to a hostile client: a key that does not have the shape
 * Chorus issues is refused without any I/O; a key refused recently is refused from memory; only then is Postgres read
 * (never written), within a per-address budget of lookups (`RateLimitedError` beyond it). A verified key is cached by
 * its hash, and `touch`ed (last_used_at) at most once a minute.
 */
export class ApiKeyVerifier {
  private readonly verified = new Map<string, { caller: CallerKey; until: number }>();
  private readonly refused = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly maxCached: number;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly options: ApiKeyVerifierOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.maxCached = options.maxCached ?? 10_000;
  }

  /** The caller behind `key`, or undefined when the key is malformed, unknown or revoked. */
  async verify(key: string, clientAddress: string): Promise<CallerKey | undefined> {
    if (!isWellFormedApiKey(key)) return undefined;
    const hash = hashApiKey(key);
    const now = Date.now();
    const known = this.verified.get(hash);
    if (known && known.until > now) return known.caller;
    const refusedUntil = this.refused.get(hash);
    if (refusedUntil !== undefined && refusedUntil > now) return undefined;
    await this.spendLookup(clientAddress);
    const record = await this.keys.findActiveByHash(hash);
    if (!record) {
      remember(this.refused, hash, now + REFUSED_FOR_MS, this.maxCached);
      return undefined;
    }
    const caller: CallerKey = { id: record.id, name: record.name, scopes: record.scopes };
    remember(this.verified, hash, { caller, until: now + this.cacheMs }, this.maxCached);
    // Bookkeeping only: a failure to record the use must not fail the request.
    void this.keys.touch(record.id).catch(() => undefined);
    return caller;
  }

  /** Stop trusting the cached verification of key `id` (it was revoked). */
  forget(id: string): void {
    for (const [hash, entry] of this.verified) if (entry.caller.id === id) this.verified.delete(hash);
  }

  private async spendLookup(clientAddress: string): Promise<void> {
    const budget = this.options.lookups;
    if (!budget) return;
    const result = await budget.storage.increment(`${budget.prefix}:key-lookups:${clientAddress}`, budget.windowMs, budget.limit, budget.windowMs, 'key-lookups');
    if (result.isBlocked) {
      throw new RateLimitedError(
        'AUTH.TOO_MANY_LOOKUPS',
        `more than ${budget.limit} API keys not seen recently were presented from this address within ${budget.windowMs / 1000} s; retry after ${result.timeToBlockExpire} s with a valid key`,
        result.timeToBlockExpire,
      );
    }
  }
}

/** Set `key` in an insertion-ordered map holding at most `max` entries, forgetting the oldest first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
