import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------------
// External ids: the one definition every schema, the fast path and the byte decoder use.

/** Longest external id, in UTF-16 code units (JavaScript's `length`, not code points). */
export const EXTERNAL_ID_MAX_LENGTH = 128;

/**
 * What an external id may hold: no whitespace (`\s`: space, tab, newlines, U+00A0, U+2028, U+FEFF, …), no control
 * character (`\p{Cc}`: C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F) and no lone surrogate (`\p{Cs}` matches only an
 * unpaired half under the `u` flag; a valid pair such as an emoji is one code point and passes). Length is checked
 * separately ({@link EXTERNAL_ID_MAX_LENGTH}), since a `u`-mode quantifier would count code points.
 */
export const EXTERNAL_ID_PATTERN = /^[^\s\p{Cc}\p{Cs}]*$/u;

/** A lone surrogate: under the `u` flag only an unpaired half is a `\p{Cs}` code point (String#isWellFormed, without es2024 typings). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What is wrong with `id` as an external id (users, items, lists, segments), or undefined when it is valid: 1 to 128
 * UTF-16 code units of {@link EXTERNAL_ID_PATTERN}. `maxLength` is for ids Chorus composes from external ids (rerank
 * job ids), which follow the same character rule but are longer. The one rule for ids: {@link externalId}, the consumers' fast path
 * and the byte decoder all agree with it (pinned by literal cases in common-fields.spec.ts).
 *
 * Why these limits: Postgres `text` cannot hold NUL, and a lone surrogate would be stored as U+FFFD, so two different
 * ids would share a row; whitespace and controls are refused because ids travel in URL paths, Kafka keys and logs.
 * 128 units are at most 384 UTF-8 bytes (3 bytes per unit at worst; a 4-byte character takes 2 units), far below
 * Postgres' B-tree entry limit (about 2,700 bytes), so no separate byte limit is needed even in composite keys.
 */
export function externalIdIssue(id: string, maxLength = EXTERNAL_ID_MAX_LENGTH): string | undefined {
  if (id.length >= 1 && id.length <= maxLength && EXTERNAL_ID_PATTERN.test(id)) return undefined;
  if (id.length === 0) return 'must not be empty';
  if (id.length > maxLength) return `must be at most ${maxLength} characters (UTF-16 code units; an emoji counts 2)`;
  if (LONE_SURROGATE.test(id)) return 'must not contain a lone surrogate (an unpaired UTF-16 half such as \\ud800); send well-formed Unicode';
  if (/\p{Cc}/u.test(id)) return 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
  return 'must not contain whitespace';
}

/** Is `value` a valid external id ({@link externalIdIssue})? */
export function isExternalId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= EXTERNAL_ID_MAX_LENGTH && EXTERNAL_ID_PATTERN.test(value);
}

/** Identifiers chosen by clients (users, items, lists, segments): see {@link externalIdIssue}. */
export const externalId = z
  .string({ error: 'expected a string identifier' })
  .superRefine((id, ctx) => {
    const issue = externalIdIssue(id);
    if (issue !== undefined) ctx.addIssue({ code: 'custom', message: issue });
  })
  // For the OpenAPI documents (a refinement is invisible to JSON Schema).
  .meta({ minLength: 1, maxLength: EXTERNAL_ID_MAX_LENGTH, description: 'an id: 1–128 UTF-16 code units, no whitespace, control characters or lone surrogates' });

// ---------------------------------------------------------------------------------------------------------------------
// Free text: notes, descriptions, titles, names, context fields — anything a client writes that is stored.

/**
 * Characters free text may not hold: NUL (Postgres `text` and `jsonb` cannot store it at all), the other C0 controls
 * except tab, newline and carriage return (invisible, and they break logs and terminals), and lone surrogates (stored
 * as U+FFFD, so the text read back would differ from the text written). DEL and C1 controls are allowed: storable,
 * and found in pasted text.
 */
export const TEXT_FORBIDDEN_PATTERN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\p{Cs}]/u;

/** What is wrong with `text` as free text ({@link TEXT_FORBIDDEN_PATTERN}), or undefined when it is valid. */
export function textIssue(text: string): string | undefined {
  if (!TEXT_FORBIDDEN_PATTERN.test(text)) return undefined;
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (an unpaired UTF-16 half such as \\ud800); send well-formed Unicode';
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000)';
  return 'must not contain control characters other than tab, newline and carriage return';
}

/**
 * A free-text field of at most `max` UTF-16 code units (and at least `min`), storable in Postgres `text` and `jsonb`
 * ({@link textIssue}). `field` names it in messages. Limits are in code units, as JavaScript's `length`: Zod's own
 * `max` counts code points, so it is not used here.
 */
export function storableText(field: string, { min = 0, max }: { min?: number; max: number }) {
  return z.string({ error: `${field} must be a string` }).superRefine((text, ctx) => {
    const issue =
      text.length < min
        ? min === 1
          ? `${field} must not be empty`
          : `${field} must be at least ${min} characters`
        : text.length > max
          ? `${field} must be at most ${max} characters (UTF-16 code units)`
          : textIssue(text);
    if (issue !== undefined) ctx.addIssue({ code: 'custom', message: issue.startsWith(field) ? issue : `${field} ${issue}` });
  })
  .meta({ ...(min > 0 ? { minLength: min } : {}), maxLength: max });
}

// ---------------------------------------------------------------------------------------------------------------------

export const DOMAIN_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** Domains name a product surface and select the domain policy (`news`, `creative`, `code`, `movies`, ...). */
export const domainName = z
  .string({ error: 'expected a domain name such as "movies" or "news"' })
  .regex(DOMAIN_PATTERN, 'must be lowercase letters, digits, "-" or "_", starting with a letter (e.g. "movies")');

export const isoTimestamp = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 timestamp with a time zone, e.g. "2026-11-27T10:00:00Z"',
});

export const uuid = z.uuid({ error: 'must be a UUID (e.g. from crypto.randomUUID())' });

// ---------------------------------------------------------------------------------------------------------------------
// Numbers in items.

/**
 * Largest |value| of a dense item feature. A feature value x enters the reward models' Laplace step through x·m (the
 * score), x²·v (the score's variance s = Σ x_f² v_f) and v·c·x²·p(1−p) (the precision update), and a pairwise
 * observation uses the difference of two items, so |x| ≤ 2·10⁶. With at most 64 dense features and prior variances in
 * the range the services allow, s stays below ~10¹⁵·v₀ and every product stays many orders of magnitude inside a double
 * (1.8·10³⁰⁸); 1e200, by contrast, overflows x² to Infinity on the first event. 10⁶ is far beyond any sensible scale
 * for a feature the model weights linearly (standardise features to about unit scale for useful learning).
 */
export const DENSE_FEATURE_BOUND = 1e6;

/**
 * Largest category weight. Weights are relative (normalised to sum 1), so the bound only keeps the sum of up to 64
 * weights finite and the ratios exact; any mix can be written within [0, 10⁶].
 */
export const CATEGORY_WEIGHT_MAX = 1e6;

/**
 * A category name: free text of 1–64 characters. (A key `__proto__` in a JSON object never reaches it: Zod's records
 * skip that key, so it is dropped, and never replaces the prototype of the parsed object.)
 */
export const categoryName = storableText('a category name', { min: 1, max: 64 });

/** A category → weight map; weights are relative and normalised to sum 1 where used. */
export const categoryWeights = z
  .record(
    categoryName,
    z
      .number({ error: 'a category weight must be a number' })
      .finite()
      .nonnegative('category weights must be ≥ 0')
      .max(CATEGORY_WEIGHT_MAX, `category weights must be ≤ ${CATEGORY_WEIGHT_MAX} (they are relative: scale them down)`),
  )
  .refine((weights) => Object.keys(weights).length > 0, 'must name at least one category')
  .refine((weights) => Object.keys(weights).length <= 64, 'must name at most 64 categories')
  .refine((weights) => Object.values(weights).some((w) => w > 0), 'at least one category weight must be > 0');

/** One dense item feature: finite, |x| ≤ {@link DENSE_FEATURE_BOUND}. */
export const denseFeature = z
  .number({ error: 'a dense feature must be a number' })
  .finite()
  .min(-DENSE_FEATURE_BOUND, `dense features must be ≥ -${DENSE_FEATURE_BOUND} (standardise them to about unit scale)`)
  .max(DENSE_FEATURE_BOUND, `dense features must be ≤ ${DENSE_FEATURE_BOUND} (standardise them to about unit scale)`);

export const stance = z
  .number({ error: 'stance must be a number in [-1, 1]' })
  .finite()
  .min(-1, 'stance must be ≥ -1')
  .max(1, 'stance must be ≤ 1');
