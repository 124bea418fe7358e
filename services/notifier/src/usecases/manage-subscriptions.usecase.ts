import { randomBytes, randomUUID } from 'node:crypto';
import { createSubscriptionV1, parseWith, updateSubscriptionV1, uuid, webhookPingV1, type ValidationIssue, type WebhookPingV1 } from '@chorus/contracts';
import { checkOutboundTarget, DomainError, type OutboundTargetPolicy, type ResolveAll, type SecretBox } from '@chorus/platform';
import { DELIVERY_STATUSES, type DeliveryLogEntry, type DeliveryStatus } from '../persistence/deliveries.repository';
import type { SubscriptionView } from '../persistence/subscriptions.repository';
import type { DeliveriesPort, DispatchPort, SubscriptionsPort } from './ports';

const LOG_PAGE_MAX = 200;

/**
 * Subscriptions REST, for the calling key only. Every lookup is by (owner, id): another key's subscription answers
 * exactly like a missing one (404), so ids cannot be used to probe other tenants.
 */
export class ManageSubscriptionsUseCase {
  constructor(
    private readonly subscriptions: SubscriptionsPort,
    private readonly deliveries: DeliveriesPort,
    private readonly dispatcher: DispatchPort,
    private readonly secrets: SecretBox,
    private readonly policy: OutboundTargetPolicy,
    private readonly limits: { maxPerKey: number; maxAttempts: number; secretGraceSeconds: number },
    private readonly resolve?: ResolveAll,
  ) {}

  /** Create; the answer is the only place the secret ever appears. */
  async create(owner: string, body: unknown): Promise<SubscriptionView & { secret: string }> {
    const parsed = parseWith(createSubscriptionV1, body);
    if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'the subscription is not valid; fix the fields listed', parsed.issues);
    const input = parsed.value;
    const url = await this.checkUrl(input.url);
    if ((await this.subscriptions.countByOwner(owner)) >= this.limits.maxPerKey) {
      throw new DomainError('SUBSCRIPTION.LIMIT_REACHED', `this key already holds ${this.limits.maxPerKey} subscriptions (the limit); delete one or widen an existing one's filters`);
    }
    const id = randomUUID();
    const secret = input.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const view = await this.subscriptions.create({
      id,
      ownerKeyId: owner,
      description: input.description ?? null,
      url,
      secret: this.secrets.seal(secret, id),
      active: input.active,
      filters: input.filters,
    });
    return { ...view, secret };
  }

  list(owner: string): Promise<SubscriptionView[]> {
    return this.subscriptions.list(owner);
  }

  async get(owner: string, id: string): Promise<SubscriptionView> {
    return this.owned(owner, id);
  }

  /**
   * Change fields. A new `secret` takes effect at once, and the one it replaces keeps signing deliveries beside it for
   * NOTIFIER_SECRET_GRACE_SECONDS (`previousSecretExpiresAt` says until when), so receivers can switch at their pace.
   */
  async update(owner: string, id: string, body: unknown): Promise<SubscriptionView> {
    const subscriptionId = this.parseId(id);
    const parsed = parseWith(updateSubscriptionV1, body);
    if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'the changes are not valid; fix the fields listed', parsed.issues);
    const changes = parsed.value;
    const url = changes.url === undefined ? undefined : await this.checkUrl(changes.url);
    const updated = await this.subscriptions.update(owner, subscriptionId, {
      description: changes.description,
      url,
      secret: changes.secret === undefined ? undefined : { sealed: this.secrets.seal(changes.secret, subscriptionId), graceSeconds: this.limits.secretGraceSeconds },
      active: changes.active,
      filters: changes.filters,
    });
    if (!updated) throw notFound(id);
    return updated;
  }

  async delete(owner: string, id: string): Promise<void> {
    if (!(await this.subscriptions.delete(owner, this.parseId(id)))) throw notFound(id);
  }

  async deliveryLog(owner: string, id: string, query: { limit?: unknown; before?: unknown; status?: unknown }): Promise<{ deliveries: DeliveryLogEntry[]; next: string | null }> {
    const subscription = await this.owned(owner, id);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    const issues: ValidationIssue[] = [];
    if (!Number.isInteger(limit) || limit < 1 || limit > LOG_PAGE_MAX) issues.push({ path: 'limit', message: `expected an integer from 1 to ${LOG_PAGE_MAX}` });
    if (query.status !== undefined && !DELIVERY_STATUSES.includes(query.status as DeliveryStatus)) issues.push({ path: 'status', message: `expected one of ${DELIVERY_STATUSES.join(', ')}` });
    if (query.before !== undefined && !parseWith(uuid, query.before).ok) issues.push({ path: 'before', message: 'expected a delivery id from a previous page (its "next")' });
    if (issues.length > 0) throw new DomainError('REQUEST.INVALID', 'the delivery log query is not valid', issues);
    const deliveries = await this.deliveries.log(subscription.id, { limit, before: query.before as string | undefined, status: query.status as DeliveryStatus | undefined });
    return { deliveries, next: deliveries.length === limit ? deliveries[deliveries.length - 1]!.id : null };
  }

  /** A signed test delivery through the normal pipeline (queue, retries, delivery log). */
  async ping(owner: string, id: string): Promise<{ deliveryId: string; status: 'pending' }> {
    const subscription = await this.owned(owner, id);
    const deliveryId = randomUUID();
    const body: WebhookPingV1 = webhookPingV1.parse({
      type: 'ping',
      deliveryId,
      subscriptionId: subscription.id,
      sentAt: new Date().toISOString(),
      message: 'Test delivery from Chorus: verify the Chorus-Signature header with your secret and answer 2xx.',
    });
    const job = await this.deliveries.createPing(deliveryId, subscription.id, JSON.stringify(body), this.limits.maxAttempts);
    await this.dispatcher.dispatch([{ deliveryId: job.id, jobId: job.jobId }]);
    return { deliveryId, status: 'pending' };
  }

  private async owned(owner: string, id: string): Promise<SubscriptionView> {
    const found = await this.subscriptions.find(owner, this.parseId(id));
    if (!found) throw notFound(id);
    return found;
  }

  private parseId(id: string): string {
    const parsed = parseWith(uuid, id, 'id');
    if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'the subscription id in the path is not valid', parsed.issues);
    return parsed.value;
  }

  private async checkUrl(url: string): Promise<string> {
    const check = await checkOutboundTarget(url, this.policy, this.resolve);
    if (!check.ok) throw new DomainError('WEBHOOK.URL_REFUSED', `webhook URL refused: ${check.reason}`, [{ path: 'url', message: check.reason }]);
    return check.url.toString();
  }
}

function notFound(id: string): DomainError {
  return new DomainError('SUBSCRIPTION.NOT_FOUND', `no subscription "${id}" for this API key; list yours with GET /v1/subscriptions`);
}
