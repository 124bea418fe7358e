/**
 * Cost per event of scoring a multi-persona user under every candidate τ² (rebasedMixtureLogits, issue #16), what the
 * learner does for each event of such a user where τ² is learned. Measured in one run against:
 *   - floor: K calls of rebasedLogits (the personas' own grid logits, which the mixture cannot avoid), and
 *   - allocating: the mixture as first written — a Float64Array per persona and two K-arrays per grid member per event
 *     (K × grid × 3 numbers), kept here as the reference the scratch version replaced.
 * Time per call, best of the rounds (the allocating version's garbage is collected inside its own timing).
 *
 *   npm run bench:mixture -- [--personas 3] [--calls 200000] [--rounds 5]
 */
import { DEFAULT_POOLING_GRID, itemFeatures, PersonaMixture, rebasedLogits, rebasedMixtureLogits, type SparseVector } from '@chorus/reward';
import { mulberry32 } from '@chorus/random';
import { flag } from './bench-stack';

const PERSONAS = flag('personas', 3);
const CALLS = flag('calls', 200_000);
const ROUNDS = flag('rounds', 5);
const GENRES = Array.from({ length: 20 }, (_, g) => `g${g}`);
const TAU2 = 2;

function household(): PersonaMixture {
  const random = mulberry32(5);
  const weights = () => Object.fromEntries(GENRES.map((g) => [`cat:${g}`, [random() * 2 - 1, 0.2 + random()] as [number, number]]));
  const personas = Array.from({ length: PERSONAS }, (_, id) => ({ id, mass: 10 + id, share: 1 / PERSONAS, weights: weights() }));
  return PersonaMixture.fromJSON({ personas, evidence: 0, eventsSeen: 100, nextId: PERSONAS, decisions: [] }, { maxPersonas: PERSONAS, deviation: { priorVariance: TAU2 } });
}

/** The allocating version (before): what rebasedMixtureLogits was. */
function allocating(grid: readonly number[], user: PersonaMixture, x: SparseVector, offset: number, offsetVariance: number): Float64Array {
  const logShares = user.predictedShares().map(Math.log);
  const byPersona = user.personas.map((persona) => Float64Array.from(rebasedLogits(grid, persona.model, TAU2, x, offset, offsetVariance)));
  const out = new Float64Array(grid.length);
  for (let k = 0; k < grid.length; k++) {
    const positive = byPersona.map((logits, j) => logShares[j]! + logSigmoid(logits[k]!));
    const negative = byPersona.map((logits, j) => logShares[j]! + logSigmoid(-logits[k]!));
    out[k] = logSumExp(positive) - logSumExp(negative);
  }
  return out;
}

function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
}

function measure(run: (x: SparseVector, i: number) => number, items: SparseVector[]): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink += run(items[i % items.length]!, i);
  const ns = Number(process.hrtime.bigint() - started) / CALLS;
  if (!Number.isFinite(sink)) throw new Error('a logit was not finite');
  return ns;
}

function main(): void {
  const user = household();
  const random = mulberry32(9);
  const items = Array.from({ length: 256 }, () => itemFeatures({ categories: { [GENRES[Math.floor(random() * 20)]!]: 0.6, [GENRES[Math.floor(random() * 20)]!]: 0.4 } }));
  const grid = DEFAULT_POOLING_GRID;
  // The two versions agree (the unit tests hold the mixture to an oracle; this guards the reference copy).
  for (const x of items.slice(0, 16)) {
    const a = Array.from(allocating(grid, user, x, 0.3, 0.1));
    const b = Array.from(rebasedMixtureLogits(grid, user, TAU2, x, 0.3, 0.1));
    if (a.some((v, k) => Math.abs(v - b[k]!) > 1e-12 * Math.max(1, Math.abs(v)))) throw new Error('the scratch version differs from the allocating one');
  }
  const runs = {
    floor: (x: SparseVector) => {
      let z = 0;
      for (const persona of user.personas) z += rebasedLogits(grid, persona.model, TAU2, x, 0.3, 0.1)[0]!;
      return z;
    },
    allocating: (x: SparseVector) => allocating(grid, user, x, 0.3, 0.1)[0]!,
    scratch: (x: SparseVector) => rebasedMixtureLogits(grid, user, TAU2, x, 0.3, 0.1)[0]!,
  };
  const best: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(runs)) best[name] = Math.min(best[name] ?? Infinity, measure(run, items));
  }
  process.stdout.write(`rebasedMixtureLogits, K = ${PERSONAS}, grid of ${grid.length}, ${CALLS} calls × ${ROUNDS} rounds (best round):\n`);
  for (const [name, ns] of Object.entries(best)) process.stdout.write(`  ${name.padEnd(11)} ${ns.toFixed(0).padStart(7)} ns/event  ${(ns / best.floor!).toFixed(2)}× floor\n`);
  process.stdout.write(`  scratch / allocating: ${(best.scratch! / best.allocating!).toFixed(2)}× time\n`);
}

main();
