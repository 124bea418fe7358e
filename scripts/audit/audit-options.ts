import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../command-line';
import { AUDIT_POLICIES, DEFAULT_AUDIT_POLICIES } from './audit-policies';

export { UsageError };

export interface AuditOptions {
  readonly users: number;
  readonly items: number;
  readonly rounds: number;
  readonly seed: number;
  readonly policies: readonly string[];
  readonly out: string;
  readonly listLength: number;
  /** Round from which the planted users narrow; 0 = nothing planted (a stationary population). */
  readonly onset: number;
  /** Share of the `broad` group whose taste narrows at the onset. */
  readonly narrowingShare: number;
  /** Also run a `code` population with the same narrowing (the domain that does not alert on it). */
  readonly code: boolean;
  readonly aucEvery: number;
  readonly susceptibility: number;
  readonly concurrency: number;
  readonly partitions: number;
  /** drift-watch's DRIFT_USER_HALF_LIFE_EVENTS: half-life, in a user's events, of the per-user signals. */
  readonly driftHalfLife: number;
  /** drift-watch's DRIFT_USER_MIN_EVENTS: events before a user's signals are watched. */
  readonly driftMinEvents: number;
  /** drift-watch's DRIFT_BUCKET_SECONDS: width of the population buckets (event time = wall time in the audit). */
  readonly driftBucketSeconds: number;
  /** drift-watch's DRIFT_ALERT_COOLDOWN_SECONDS: repeats of an alert within this span fold into it. */
  readonly driftCooldownSeconds: number;
  /** Runs of the whole audit with seeds seed, seed + 1, …; the headline figures' spread over them is reported. */
  readonly repeats: number;
  /** Where the services' logs go (one folder per policy inside); default <out>/logs. */
  readonly logDir?: string;
  /** Show progress bars (off in tests). */
  readonly progress: boolean;
}

export const AUDIT_USAGE = `usage: npm run audit -- [options]
  --users <n>            planted users in the news population (default 100; 10..5000)
  --items <n>            catalogue items (default 300; 40..5000). The gateway serves only items a user has not
                         interacted with, so keep items ≳ 5 × rounds
  --rounds <n>           rounds per policy (default 24; 2..200)
  --seed <n>             seed of the population, sessions and narrowing (default 1)
  --policies <a,b,…>     which policies, in order (default ${DEFAULT_AUDIT_POLICIES.join(',')}):
${Object.values(AUDIT_POLICIES)
  .map((p) => `                           ${p.name.padEnd(16)} ${p.description}`)
  .join('\n')}
  --out <dir>            where audit.json and report.html go (default .chorus/audit)
  --list-length <n>      items per served list (default 10; 2..50)
  --onset <round>        round from which planted users narrow onto one category (default rounds/2; 0 = plant nothing)
  --narrowing-share <x>  share of the broad group that narrows (default 0.5; 0..1)
  --no-code              skip the code-domain population (same narrowing, a domain where narrowing is not harm)
  --auc-every <n>        measure AUC against the truth every n rounds and in the last (default 4; 0 = last only)
  --susceptibility <x>   how far each consumption moves a user's taste and stance (default 0; 0..1)
  --concurrency <n>      recommendation requests in flight (default 8; 1..64)
  --partitions <n>       partitions of the keyed topics (default 3; 1..64)
  --drift-half-life <n>  drift-watch's per-user half-life in events (default 10; the service's own default is 25):
                         a round is one session of ~6 events, so 25 would need ~40 rounds to see a narrowing
  --drift-min-events <n> events before drift-watch watches a user (default 20; the service's default is 30)
  --drift-bucket-seconds <n>
                         width of drift-watch's population buckets (default 5; 1..3600; the service's default is
                         3600): a point per bucket, so it must be about a round long for the population watch to see
                         ~one point per round (an hour would close no bucket in a run of minutes)
  --drift-cooldown-seconds <n>
                         repeats of an alert within this span fold into the first (default 0: every detection is an
                         alert, so every one is scored; the service's default, 6 h, would let an early alarm hide a
                         later true one for the whole run)
  --repeats <n>          run the whole audit n times with seeds seed, seed + 1, … and report the spread of the
                         headline figures over them (default 1; 1..10); the charts and tables show the first run
  --no-progress          no progress bars
  --help                 this text`;

/**
 * Parses and validates the audit's command line. Every refusal is a UsageError naming the flag, the value and what
 * it takes; `--help` returns undefined after printing the usage.
 */
export function parseAuditOptions(argv: readonly string[], cwd = process.cwd()): AuditOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        users: { type: 'string' },
        items: { type: 'string' },
        rounds: { type: 'string' },
        seed: { type: 'string' },
        policies: { type: 'string' },
        out: { type: 'string' },
        'list-length': { type: 'string' },
        onset: { type: 'string' },
        'narrowing-share': { type: 'string' },
        code: { type: 'boolean', default: true },
        'auc-every': { type: 'string' },
        susceptibility: { type: 'string' },
        concurrency: { type: 'string' },
        partitions: { type: 'string' },
        'drift-half-life': { type: 'string' },
        'drift-min-events': { type: 'string' },
        'drift-bucket-seconds': { type: 'string' },
        'drift-cooldown-seconds': { type: 'string' },
        repeats: { type: 'string' },
        progress: { type: 'boolean', default: true },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const number = (name: string, fallback: number, min: number, max: number, integer = true): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${String(text)}"`);
    }
    return value;
  };
  const rounds = number('rounds', 24, 2, 200);
  const items = number('items', 300, 40, 5000);
  const listLength = number('list-length', 10, 2, 50);
  if (listLength * 2 > items) throw new UsageError(`--list-length ${listLength} needs at least ${listLength * 2} --items, got ${items}`);
  const policyText = values.policies === undefined ? DEFAULT_AUDIT_POLICIES.join(',') : String(values.policies);
  const policies = policyText.split(',').map((p) => p.trim());
  for (const policy of policies) {
    if (!Object.hasOwn(AUDIT_POLICIES, policy)) {
      throw new UsageError(`--policies names "${policy}", which is not a policy; choose from ${Object.keys(AUDIT_POLICIES).join(', ')}`);
    }
  }
  if (new Set(policies).size !== policies.length) throw new UsageError(`--policies names a policy twice ("${policyText}"); name each once`);
  const onset = number('onset', Math.ceil(rounds / 2), 0, rounds);
  return {
    users: number('users', 100, 10, 5000),
    items,
    rounds,
    seed: number('seed', 1, 0, 2 ** 31 - 1),
    policies,
    out: resolve(cwd, typeof values.out === 'string' && values.out !== '' ? values.out : '.chorus/audit'),
    listLength,
    onset,
    narrowingShare: number('narrowing-share', 0.5, 0, 1, false),
    code: values.code !== false,
    aucEvery: number('auc-every', 4, 0, rounds),
    susceptibility: number('susceptibility', 0, 0, 1, false),
    concurrency: number('concurrency', 8, 1, 64),
    partitions: number('partitions', 3, 1, 64),
    driftHalfLife: number('drift-half-life', 10, 1, 1000, false),
    driftMinEvents: number('drift-min-events', 20, 1, 10_000),
    driftBucketSeconds: number('drift-bucket-seconds', 5, 1, 3600),
    driftCooldownSeconds: number('drift-cooldown-seconds', 0, 0, 86_400),
    repeats: number('repeats', 1, 1, 10),
    progress: values.progress !== false,
  };
}
