import { randomUUID } from 'node:crypto';
import { domainName, exposureV1, parseWith, topicName, type ExposureV1 } from '@chorus/contracts';
import { DomainError, type ModelPriors } from '@chorus/platform';
import { deviationNorm, DiagonalGaussianLogistic, ITEM_FEATURE_PREFIX, itemFeatures, withItemIntercept, type SparseVector } from '@chorus/reward';
import type { Producer } from 'kafkajs';
import type { ItemsRepository } from '../persistence/items.repository';
import type { ModelsRepository } from '../persistence/models.repository';

interface ServingItem {
  itemId: string;
  /** φ(i) for the user's deviation, and φ(i) + item intercept for the aggregate. */
  userX: SparseVector;
  aggregateX: SparseVector;
}

interface Cached<T> {
  value: T;
  until: number;
}

const MAX_RECOMMENDATIONS = 200;

export function parseDomain(value: unknown): string {
  if (value === undefined) throw new DomainError('REQUEST.INVALID', 'query parameter "domain" is required, e.g. ?domain=movies', [{ path: 'domain', message: 'required' }]);
  const parsed = parseWith(domainName, value, 'domain');
  if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'query parameter "domain" is not valid', parsed.issues);
  return parsed.value;
}

/**
 * The read side: the aggregate (shards combined), a user's personalized model, and recommendations served from them.
 * Catalogue and aggregate are cached for a few seconds per domain: serving reads them on every request.
 */
export class ReadModelsUseCase {
  private readonly aggregates = new Map<string, Cached<{ model: DiagonalGaussianLogistic; eventsSeen: number; shards: number }>>();
  private readonly catalogues = new Map<string, Cached<ServingItem[]>>();

  constructor(
    private readonly models: ModelsRepository,
    private readonly items: ItemsRepository,
    private readonly priors: ModelPriors,
    private readonly producer: Producer,
    private readonly prefix: string,
    private readonly cacheMs: number,
  ) {}

  invalidateCatalogue(domains: Set<string>): void {
    for (const domain of domains) this.catalogues.delete(domain);
  }

  async aggregate(domain: string, includeItems: boolean) {
    const { model, eventsSeen, shards } = await this.aggregateModel(domain);
    return { domain, eventsSeen, shards, weights: describe(model, (f) => includeItems || !f.startsWith(ITEM_FEATURE_PREFIX)) };
  }

  async userModel(userId: string, domain: string) {
    const [aggregate, stored] = await Promise.all([this.aggregateModel(domain), this.models.user(userId, domain)]);
    const tau2 = this.priors.tau2(domain);
    const deviation = stored ? DiagonalGaussianLogistic.fromJSON(stored.weights, this.priors.user(domain)) : undefined;
    const aggregateWeights = describe(aggregate.model, (f) => !f.startsWith(ITEM_FEATURE_PREFIX));
    const personalized: Record<string, number> = {};
    for (const feature of new Set([...Object.keys(aggregateWeights), ...Object.keys(stored?.weights ?? {})])) {
      personalized[feature] = aggregate.model.mean(feature) + (deviation?.mean(feature) ?? 0);
    }
    return {
      userId,
      domain,
      eventsSeen: stored?.eventsSeen ?? 0,
      updatedAt: stored?.updatedAt ?? null,
      tau2,
      // A user without events is served the aggregate exactly: zero deviation, aggregate uncertainty.
      deviation: deviation ? describe(deviation, () => true) : {},
      personalized,
      divergence: { deviationNormInPriorSd: deviationNorm(stored?.weights, tau2) },
    };
  }

  async recommend(userId: string, domain: string, n: number) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RECOMMENDATIONS) {
      throw new DomainError('REQUEST.INVALID', `n must be an integer from 1 to ${MAX_RECOMMENDATIONS}`, [{ path: 'n', message: `expected 1..${MAX_RECOMMENDATIONS}` }]);
    }
    const [aggregate, stored, seen, catalogue] = await Promise.all([
      this.aggregateModel(domain),
      this.models.user(userId, domain),
      this.models.interactedItems(userId, domain),
      this.catalogue(domain),
    ]);
    const deviation = stored ? DiagonalGaussianLogistic.fromJSON(stored.weights, this.priors.user(domain)) : undefined;
    const scored: { itemId: string; score: number }[] = [];
    for (const item of catalogue) {
      if (seen.has(item.itemId)) continue;
      const base = aggregate.model.logit(item.aggregateX);
      scored.push({ itemId: item.itemId, score: deviation ? deviation.logit(item.userX, base) : base });
    }
    scored.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    const top = scored.slice(0, n);
    const policy = deviation ? 'accuracy' : 'aggregate';
    if (top.length === 0) {
      // Nothing left to recommend (empty catalogue, or the user has seen it all): nothing is served, nothing is logged.
      return { listId: null, userId, domain, policy, servedAt: new Date().toISOString(), items: [], candidates: 0 };
    }
    const exposure: ExposureV1 = exposureV1.parse({
      listId: randomUUID(),
      userId,
      domain,
      policy,
      servedAt: new Date().toISOString(),
      items: top.map((entry, rank) => ({ itemId: entry.itemId, rank, score: entry.score })),
    });
    await this.producer.send({ topic: topicName('exposures', this.prefix), messages: [{ key: userId, value: JSON.stringify(exposure) }] });
    return { ...exposure, candidates: scored.length };
  }

  private async aggregateModel(domain: string) {
    const cached = this.aggregates.get(domain);
    if (cached && cached.until > Date.now()) return cached.value;
    const shards = await this.models.aggregateShards(domain);
    const value = {
      model: this.priors.combineAggregate(shards.map((s) => s.state)),
      eventsSeen: shards.reduce((sum, s) => sum + s.eventsSeen, 0),
      shards: shards.length,
    };
    this.aggregates.set(domain, { value, until: Date.now() + this.cacheMs });
    return value;
  }

  private async catalogue(domain: string): Promise<ServingItem[]> {
    const cached = this.catalogues.get(domain);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = (await this.items.inDomain(domain)).map((item) => {
      const phi = itemFeatures({ categories: item.categories, stance: item.stance, dense: item.features });
      return { itemId: item.itemId, userX: phi, aggregateX: withItemIntercept(phi, item.itemId) };
    });
    this.catalogues.set(domain, { value, until: Date.now() + this.cacheMs });
    return value;
  }
}

function describe(model: DiagonalGaussianLogistic, keep: (feature: string) => boolean): Record<string, { mean: number; sd: number }> {
  const out: Record<string, { mean: number; sd: number }> = {};
  for (const [feature, [mean, variance]] of Object.entries(model.toJSON())) {
    if (keep(feature)) out[feature] = { mean, sd: Math.sqrt(variance) };
  }
  return out;
}
