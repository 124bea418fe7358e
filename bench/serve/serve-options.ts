import { numberFlag, parseFlags, UsageError } from '../../scripts/command-line';

export const SERVE_USAGE = `usage: npm run bench:serve -- [options]
  --items <a,b,…>        catalogue sizes, one domain each (default 10000,100000; each 100..2000000)
  --users <n>            users with a model in each domain (default 100000; 1..1000000)
  --clients <n>          concurrent HTTP clients (default 16; 1..256)
  --seconds <n>          length of one timed window (default 8; 1..120)
  --rounds <n>           trivial-route, recommendations alternations per size (default 2; 1..20)
  --n <n>                items per recommendation request (default 20; 1..100)
  --recall-users <n>     users whose candidates are checked against a full scan, per size (default 200; 1..10000)
  --candidates <n>       C of that check and of the reranker (default 500; 1..5000)
  --out <dir>            where serve.json goes (default .chorus/bench)`;

export interface ServeOptions {
  readonly items: readonly number[];
  readonly users: number;
  readonly clients: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly n: number;
  readonly recallUsers: number;
  readonly candidates: number;
  readonly out: string;
}

/** Parses and validates bench:serve's flags; a UsageError names the flag, what it takes and what it got. */
export function parseServeOptions(): ServeOptions {
  const values = parseFlags(
    SERVE_USAGE,
    {
      items: { type: 'string', default: '10000,100000' },
      users: { type: 'string', default: '100000' },
      clients: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      n: { type: 'string', default: '20' },
      'recall-users': { type: 'string', default: '200' },
      candidates: { type: 'string', default: '500' },
      out: { type: 'string', default: '.chorus/bench' },
    },
  );
  const items = values.items.split(',').map((size) => numberFlag('items', size, { min: 100, max: 2_000_000, integer: true }));
  if (new Set(items).size !== items.length) throw new UsageError(`--items lists a size twice, got "${values.items}"`);
  return {
    items,
    users: numberFlag('users', values.users, { min: 1, max: 1_000_000, integer: true }),
    clients: numberFlag('clients', values.clients, { min: 1, max: 256, integer: true }),
    seconds: numberFlag('seconds', values.seconds, { min: 1, max: 120 }),
    rounds: numberFlag('rounds', values.rounds, { min: 1, max: 20, integer: true }),
    n: numberFlag('n', values.n, { min: 1, max: 100, integer: true }),
    recallUsers: numberFlag('recall-users', values['recall-users'], { min: 1, max: 10_000, integer: true }),
    candidates: numberFlag('candidates', values.candidates, { min: 1, max: 5000, integer: true }),
    out: values.out,
  };
}
