import { z } from 'zod';
import { domainName, storableText } from './common-fields';
import { driftScope, driftSeverity, type DriftAlertV1 } from './drift-alert.v1';
import { driftMetricName } from './drift-metric';

/** At most this many values per filter field (subjects: per subscription, e.g. a team's user ids). */
export const ALERT_FILTER_LIMIT = 100;
export const ALERT_SUBJECT_FILTER_LIMIT = 1000;

const filterList = <T extends z.ZodType>(item: T, field: string, limit = ALERT_FILTER_LIMIT) =>
  z
    .array(item, { error: `${field} must be an array` })
    .max(limit, `${field} holds at most ${limit} values`)
    .transform((values) => [...new Set(values)] as z.output<T>[]);

/**
 * Which alerts a subscription (or a stream) wants. Each field is a set of accepted values; an absent or empty field
 * accepts everything, and an alert must pass every field (AND across fields, OR within one).
 */
export const alertFiltersV1 = z.strictObject({
  scopes: filterList(driftScope, 'scopes').optional(),
  metrics: filterList(driftMetricName, 'metrics').optional(),
  severities: filterList(driftSeverity, 'severities').optional(),
  domains: filterList(domainName, 'domains').optional(),
  /** Alert subjects: user ids (user scope), segment names (segment scope), domains (population scope). */
  subjects: filterList(storableText('a subject', { min: 1, max: 256 }), 'subjects', ALERT_SUBJECT_FILTER_LIMIT).optional(),
});

export type AlertFiltersV1 = z.output<typeof alertFiltersV1>;
export const ALERT_FILTER_FIELDS = ['scopes', 'metrics', 'severities', 'domains', 'subjects'] as const;

/** Does an alert pass the filters? (The notifier's SQL matching implements the same rule; tests hold them equal.) */
export function alertMatchesFilters(filters: AlertFiltersV1, alert: Pick<DriftAlertV1, 'scope' | 'metric' | 'severity' | 'domain' | 'subject'>): boolean {
  const accepts = <T>(values: readonly T[] | undefined, value: T) => values === undefined || values.length === 0 || values.includes(value);
  return (
    accepts(filters.scopes, alert.scope) &&
    accepts(filters.metrics, alert.metric) &&
    accepts(filters.severities, alert.severity) &&
    accepts(filters.domains, alert.domain) &&
    accepts(filters.subjects, alert.subject)
  );
}

/**
 * A caller-chosen signing secret: 24–256 URL-safe characters. Chorus generates one (`whsec_` + 256 random bits) when
 * none is given; that is the better choice.
 */
export const webhookSecret = z
  .string({ error: 'secret must be a string' })
  .min(24, 'secret must be at least 24 characters (or omit it and Chorus generates one)')
  .max(256, 'secret must be at most 256 characters')
  .regex(/^[A-Za-z0-9_\-.~+/=]+$/, 'secret may contain only letters, digits and _ - . ~ + / =');

const description = storableText('description', { max: 500 });
/** Shape only; whether the target is allowed (https, public address) is checked against DNS when it is set. */
const webhookUrl = storableText('url', { min: 1, max: 2048 });

/** POST /v1/subscriptions */
export const createSubscriptionV1 = z.strictObject({
  url: webhookUrl,
  description: description.optional(),
  /** Omit to have one generated. Either way it is returned once, in the answer to this request, and never again. */
  secret: webhookSecret.optional(),
  filters: alertFiltersV1.default({}),
  /** A paused subscription (`false`) matches no new alerts. */
  active: z.boolean({ error: 'active must be true or false' }).default(true),
});

/** PATCH /v1/subscriptions/:id — only the fields given change; `filters` replaces the filters as a whole. */
export const updateSubscriptionV1 = z
  .strictObject({
    url: webhookUrl.optional(),
    description: description.nullable().optional(),
    /** Replace the secret with this one (it is not echoed back). */
    secret: webhookSecret.optional(),
    filters: alertFiltersV1.optional(),
    active: z.boolean({ error: 'active must be true or false' }).optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), { message: 'name at least one field to change: url, description, secret, filters, active' });

export type CreateSubscriptionV1 = z.output<typeof createSubscriptionV1>;
export type UpdateSubscriptionV1 = z.output<typeof updateSubscriptionV1>;
