import { z } from 'zod';
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
        const out: Record<string, number> = {};
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
};
