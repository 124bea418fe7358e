import { z } from 'zod';
import { SCOPES } from '../auth/api-key';
import { ConfigError } from './config.error';

/**
 * Parse a service's configuration once, at boot. Every bad key is listed with its value and what was expected, so an
 * operator fixes them all in one go. `process.env` is read here and nowhere else.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const value = key in env ? JSON.stringify(env[key]) : '(unset)';
    return { key, value, expected: issue.message };
  });
  throw new ConfigError(problems);
}

/** Environment values are strings: these parse them with messages that say what a good value looks like. */
export const env = {
  int: (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
    z
      .string()
      .default(String(fallback))
      .transform((text, ctx) => {
        const value = Number(text);
        if (!Number.isInteger(value) || value < min || value > max) {
          ctx.addIssue({ code: 'custom', message: `expected an integer in [${min}, ${max}]` });
          return z.NEVER;
        }
        return value;
      }),
  number: (fallback: number, { min = -Infinity, max = Infinity } = {}) =>
    z
      .string()
      .default(String(fallback))
      .transform((text, ctx) => {
        const value = Number(text);
        if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
          ctx.addIssue({ code: 'custom', message: `expected a number in [${min}, ${max}]` });
          return z.NEVER;
        }
        return value;
      }),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((text) => text === 'true' || text === '1'),
  url: (fallback: string, protocols: string[]) =>
    z
      .string()
      .default(fallback)
      .refine((text) => {
        try {
          return protocols.includes(new URL(text).protocol);
        } catch {
          return false;
        }
      }, `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`),
  /** `a=1,b=2` → { a: 1, b: 2 } with numeric values in range. */
  numberMap: (fallback: string, { min = -Infinity, max = Infinity } = {}) =>
    z
      .string()
      .default(fallback)
      .transform((text, ctx) => {
        // No prototype: the names are looked up with untrusted strings (a domain "constructor"), and "__proto__" is a name.
        const out: Record<string, number> = Object.create(null);
        for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
          const [key, raw] = pair.split('=');
          const value = Number(raw);
          if (!key || raw === undefined || !Number.isFinite(value) || value < min || value > max) {
            ctx.addIssue({ code: 'custom', message: `expected comma-separated name=number pairs with numbers in [${min}, ${max}], e.g. "news=0.5,code=4"; "${pair}" is not one` });
            return z.NEVER;
          }
          out[key.trim()] = value;
        }
        return out;
      }),
};

/** Settings every service shares. */
export const sharedConfigShape = {
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d+$/.test(b)), 'expected host:port[,host:port...] e.g. 127.0.0.1:9092'),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"').default(''),
  DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/chorus', ['postgres:', 'postgresql:']),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { error: 'expected debug, info, warn or error' }).default('info'),
  /** The scope `GET /metrics` needs; unset (or empty), it is public, for a scraper inside the deployment's network. */
  METRICS_SCOPE: z
    .enum([...SCOPES, ''], { error: `expected one of ${SCOPES.join(', ')}, or unset for a public /metrics` })
    .default('')
    .transform((scope) => scope || undefined),
};

/**
 * Settings of the per-key quotas shared by the services that serve API keys (gateway, notifier); each adds its
 * route classes' limits. Instances of a service count in the same Redis keys, so a quota holds across instances.
 */
export const quotaConfigShape = {
  /** The window quotas are counted over; a key over its quota is refused (429, Retry-After) until a window has passed. */
  QUOTA_WINDOW_SECONDS: env.int(60, { min: 1, max: 86_400 }),
  /**
   * API keys not in a process's cache that may be looked up per client address and window: bounds the database reads
   * a client guessing keys can cause. A valid key is looked up about once per 5 s per process.
   */
  QUOTA_KEY_LOOKUPS_PER_ADDRESS: env.int(600, { min: 1, max: 1_000_000 }),
  /** Namespace of the quota counters in Redis: stacks sharing one Redis use different ones. */
  QUOTA_REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus'),
};
