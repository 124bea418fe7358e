import { z } from 'zod';

export const EXTERNAL_ID_PATTERN = /^[^\s]*$/;
export const DOMAIN_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** Identifiers chosen by clients (users, items, lists): printable, no whitespace, bounded. */
export const externalId = z
  .string({ error: 'expected a string identifier' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(EXTERNAL_ID_PATTERN, 'must not contain whitespace');

/** Domains name a product surface and select the domain policy (`news`, `creative`, `code`, `movies`, ...). */
export const domainName = z
  .string({ error: 'expected a domain name such as "movies" or "news"' })
  .regex(DOMAIN_PATTERN, 'must be lowercase letters, digits, "-" or "_", starting with a letter (e.g. "movies")');

export const isoTimestamp = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 timestamp with a time zone, e.g. "2026-11-27T10:00:00Z"',
});

export const uuid = z.uuid({ error: 'must be a UUID (e.g. from crypto.randomUUID())' });

/** A category → weight map; weights are relative and normalised to sum 1 where used. */
export const categoryWeights = z
  .record(z.string().min(1).max(64), z.number().finite().nonnegative('category weights must be ≥ 0'))
  .refine((weights) => Object.keys(weights).length > 0, 'must name at least one category')
  .refine((weights) => Object.keys(weights).length <= 64, 'must name at most 64 categories')
  .refine((weights) => Object.values(weights).some((w) => w > 0), 'at least one category weight must be > 0');

export const stance = z
  .number({ error: 'stance must be a number in [-1, 1]' })
  .finite()
  .min(-1, 'stance must be ≥ -1')
  .max(1, 'stance must be ≤ 1');
