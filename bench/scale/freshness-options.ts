import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from './scale-options';

export const FRESHNESS_USAGE = `usage: npm run bench:freshness -- [options]
  --users <n>             users the background load comes from (default 20000; 100..10000000), 80/20 skewed
  --calibration <n>       events the learner's throughput is measured on first (default 100000; 10000..10000000)
  --seconds <n>           length of the steady-load phase (default 30; 5..600)
  --probes-per-second <n> probes through the gateway and straight to Kafka, each (default 5; 1..100)
  --partitions <n>        feedback topic partitions (default 3; 1..64)`;

const wholeIn = (min: number, max: number) => z.coerce.number().int('a whole number').min(min).max(max);

const schema = z.object({
  users: wholeIn(100, 10_000_000).default(20_000),
  calibration: wholeIn(10_000, 10_000_000).default(100_000),
  seconds: wholeIn(5, 600).default(30),
  'probes-per-second': wholeIn(1, 100).default(5),
  partitions: wholeIn(1, 64).default(3),
});

export type FreshnessOptions = z.output<typeof schema>;

/** Parses and validates bench:freshness's flags; throws UsageError naming each bad flag and what it takes. */
export function parseFreshnessOptions(argv: readonly string[]): FreshnessOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: 'string' as const }])), strict: true }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${FRESHNESS_USAGE}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(`bad flags:\n${parsed.error.issues.map((i) => `  --${String(i.path[0])}: ${i.message}`).join('\n')}\n${FRESHNESS_USAGE}`);
  }
  return parsed.data;
}
