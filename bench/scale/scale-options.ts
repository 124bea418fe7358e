import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const SCALE_USAGE = `usage: npm run bench:scale -- [options]
  --sizes <a,b,…>        user counts, each a whole number with an optional k or M suffix
                         (default 2k,20k,200k,1M; each 1k..10M)
  --events-per-user <n>  events per user at each size (default 10, so 10M at 1M users; at least 5, at most 100)
  --min-events <n>       but never fewer events than this at a size (default 200000: at 2k users, 10 per user
                         is 20k events, gone in well under a second, too short to time)
  --partitions <n>       feedback topic partitions (default 3; 1..64)
  --seed <n>             seed of the event stream (default 1)
  --out <dir>            where scale.json goes (default .chorus/bench)
  --drift-only           measure drift-watch alone (no learner run, no SIGKILL restart): its CPU per event and
                         peak RSS against the raw consumer, in minutes rather than the learner's hour at 200k
  --learner-only         measure the learner alone (no drift-watch run, whose per-user path takes most of a large
                         size's time); not with --drift-only
  --learner-cpu-prof <dir>
                         run the learner under node --cpu-prof (its main thread and apply worker each write a
                         .cpuprofile to <dir>); its first run then ends with SIGTERM, so the profiles are written,
                         and the SIGKILL restart is skipped; not with --drift-only`;

/** A bad command line: the message says which flag, what it got and what it takes. */
export class UsageError extends Error {}

/** Runs a flag parser; on a UsageError prints it and exits with status 2 (the shell's "bad usage"). */
export function orExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

const SUFFIX: Record<string, number> = { '': 1, k: 1_000, K: 1_000, m: 1_000_000, M: 1_000_000 };

const size = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?[kKmM]?$/, 'a size is a number with an optional k or M suffix, e.g. 2k or 1M')
  .transform((text) => Number(text.replace(/[kKmM]$/, '')) * SUFFIX[text.slice(-1).replace(/\d/, '')]!)
  .pipe(z.number().int('a size must be a whole number of users').min(1_000, 'at least 1k users per size').max(10_000_000, 'at most 10M users per size'));

const wholeIn = (min: number, max: number) => z.coerce.number().int('a whole number').min(min).max(max);

const schema = z.object({
  sizes: z
    .string()
    .default('2k,20k,200k,1M')
    .transform((list) => list.split(','))
    .pipe(z.array(size).min(1)),
  'events-per-user': wholeIn(5, 100).default(10),
  'min-events': wholeIn(0, 100_000_000).default(200_000),
  partitions: wholeIn(1, 64).default(3),
  seed: wholeIn(0, 2 ** 31 - 1).default(1),
  out: z.string().min(1).default('.chorus/bench'),
  'drift-only': z.boolean().default(false),
  'learner-only': z.boolean().default(false),
  'learner-cpu-prof': z.string().min(1).optional(),
});

export interface ScaleOptions {
  readonly sizes: readonly number[];
  readonly eventsPerUser: number;
  readonly minEvents: number;
  readonly partitions: number;
  readonly seed: number;
  readonly out: string;
  readonly driftOnly: boolean;
  readonly learnerOnly: boolean;
  /** Where the learner's CPU profiles go (absolute), when it runs under --cpu-prof. */
  readonly learnerCpuProf?: string;
}

/** Parses and validates bench:scale's flags; throws UsageError naming each bad flag and what it takes. */
export function parseScaleOptions(argv: readonly string[], cwd = process.cwd()): ScaleOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: { sizes: { type: 'string' }, 'events-per-user': { type: 'string' }, 'min-events': { type: 'string' }, partitions: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, 'drift-only': { type: 'boolean' }, 'learner-only': { type: 'boolean' }, 'learner-cpu-prof': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${SCALE_USAGE}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  --${String(issue.path[0])}${issue.path.length > 1 ? ` (item ${String(issue.path[1])})` : ''}: ${issue.message}`);
    throw new UsageError(`bad flags:\n${problems.join('\n')}\n${SCALE_USAGE}`);
  }
  const o = parsed.data;
  if (o['drift-only'] && o['learner-only']) throw new UsageError(`bad flags:\n  --drift-only and --learner-only together measure nothing; pass one of them, or neither for both\n${SCALE_USAGE}`);
  if (o['drift-only'] && o['learner-cpu-prof'] !== undefined) throw new UsageError(`bad flags:\n  --learner-cpu-prof profiles the learner, which --drift-only does not run; drop one of them\n${SCALE_USAGE}`);
  return {
    sizes: o.sizes,
    eventsPerUser: o['events-per-user'],
    minEvents: o['min-events'],
    partitions: o.partitions,
    seed: o.seed,
    out: resolve(cwd, o.out),
    driftOnly: o['drift-only'],
    learnerOnly: o['learner-only'],
    ...(o['learner-cpu-prof'] !== undefined ? { learnerCpuProf: resolve(cwd, o['learner-cpu-prof']) } : {}),
  };
}

/** Events produced at a size: events-per-user × users, and at least min-events. */
export function eventsAt(users: number, options: Pick<ScaleOptions, 'eventsPerUser' | 'minEvents'>): number {
  return Math.max(users * options.eventsPerUser, options.minEvents);
}
