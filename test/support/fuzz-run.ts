import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';

/**
 * Settings and the tally shared by the fuzz specs (test/fuzz-*.e2e-spec.ts).
 *
 * - `FUZZ_SEED`: the seed of every property (printed; set it to replay a run). Fixed by default, so CI is
 *   reproducible.
 * - `FUZZ_RUNS`: cases per surface (a service's HTTP routes, a topic, a queue). Each spec has a small default for CI;
 *   `npm run fuzz` sets 10,000.
 * - `FUZZ_SUMMARY`: a file each surface's line is appended to (JSON per line), for the `npm run fuzz` summary.
 * - `FUZZ_DEBUG`: set to log every HTTP case with its answer.
 */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? 20_261_206 : Number(process.env.FUZZ_SEED);
if (!Number.isSafeInteger(FUZZ_SEED)) throw new Error(`FUZZ_SEED must be an integer, got "${process.env.FUZZ_SEED}"`);

export const FUZZ_DEBUG = Boolean(process.env.FUZZ_DEBUG);

/** Cases per surface: FUZZ_RUNS when set, else the spec's CI default. */
export function fuzzRuns(ciDefault: number): number {
  const runs = process.env.FUZZ_RUNS === undefined ? ciDefault : Number(process.env.FUZZ_RUNS);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got "${process.env.FUZZ_RUNS}"`);
  return runs;
}

/** fast-check parameters of a property with `numRuns` cases; each property gets its own seed derived from its name. */
export function fuzzParameters<T>(name: string, numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  let hash = FUZZ_SEED >>> 0;
  for (const c of name) hash = Math.imul(hash ^ c.charCodeAt(0), 16_777_619) >>> 0;
  return { seed: hash | 0, numRuns, ...extra };
}

export interface SurfaceTally {
  surface: string;
  /** Cases run (requests sent, messages produced, jobs added), shrinking included. */
  cases: number;
  /** Answers ≥ 500 (HTTP) or failed requests (no answer). */
  serverErrors: number;
  /** Consumers or workers found stopped or stuck after a batch. */
  stoppedConsumers: number;
  /** Distinct property failures (each with its shrunk counterexample). */
  failures: string[];
}

export function tally(surface: string): SurfaceTally {
  return { surface, cases: 0, serverErrors: 0, stoppedConsumers: 0, failures: [] };
}

/** Print a surface's line (and append it to FUZZ_SUMMARY when set). */
export function report(t: SurfaceTally): void {
  const line = { ...t, seed: FUZZ_SEED, failures: t.failures.length };
  console.log(`[fuzz] ${t.surface}: ${t.cases} cases, ${t.serverErrors} × 5xx, ${t.stoppedConsumers} stopped consumers, ${t.failures.length} failing properties (seed ${FUZZ_SEED})`);
  const file = process.env.FUZZ_SUMMARY;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

/** The failure message of a fast-check run (seed, path to replay, shrunk counterexample), or undefined when it passed. */
export function failureOf<T>(details: fc.RunDetails<T>): string | undefined {
  if (!details.failed) return undefined;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${fc.defaultReportMessage(details) ?? 'property failed'}\nFailure of the shrunk counterexample: ${error}`;
}
