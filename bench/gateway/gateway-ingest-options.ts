import { FEEDBACK_BATCH_LIMIT } from '@chorus/contracts';
import { numberFlag, parseFlags, UsageError } from '../../scripts/command-line';

export const GATEWAY_INGEST_USAGE = `usage: npm run bench:gateway -- [options]
  --batch-sizes <a,b,…>  events per request / per send (default 1,100,1000; each 1..${FEEDBACK_BATCH_LIMIT})
  --clients <n>          concurrent clients on each side (default 8; 1..256)
  --seconds <n>          length of one side's timed window (default 5; 1..120)
  --rounds <n>           raw, gateway alternations per batch size (default 3; 1..20)
  --partitions <n>       feedback topic partitions (default 3; 1..64)
  --out <dir>            where gateway-ingest.json goes (default .chorus/bench)`;

export interface GatewayIngestOptions {
  readonly batchSizes: readonly number[];
  readonly clients: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly partitions: number;
  readonly out: string;
}

/** Parses and validates bench:gateway's flags; a UsageError names the flag, what it takes and what it got. */
export function parseGatewayIngestOptions(): GatewayIngestOptions {
  const values = parseFlags(GATEWAY_INGEST_USAGE, {
    'batch-sizes': { type: 'string', default: '1,100,1000' },
    clients: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '3' },
    out: { type: 'string', default: '.chorus/bench' },
  });
  return {
    batchSizes: batchSizes(values['batch-sizes']),
    clients: numberFlag('clients', values.clients, { min: 1, max: 256, integer: true }),
    seconds: numberFlag('seconds', values.seconds, { min: 1, max: 120 }),
    rounds: numberFlag('rounds', values.rounds, { min: 1, max: 20, integer: true }),
    partitions: numberFlag('partitions', values.partitions, { min: 1, max: 64, integer: true }),
    out: values.out,
  };
}

/** A comma-separated list of distinct batch sizes, each within the gateway's batch limit, in the order given. */
export function batchSizes(text: string): number[] {
  const sizes = text.split(',').map((item) => numberFlag('batch-sizes', item, { min: 1, max: FEEDBACK_BATCH_LIMIT, integer: true }));
  if (new Set(sizes).size !== sizes.length) throw new UsageError(`--batch-sizes lists a size twice, got "${text}"`);
  return sizes;
}
