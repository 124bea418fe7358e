/**
 * Drift-watch per-event cost: what keeping the metrics and running the detectors adds to consuming the stream.
 *
 * Both sides take the same pre-serialised messages (as kafkajs hands them over: Buffers) of one partition, in process:
 *   - no-op consumer: decode and validate each message (JSON.parse + the contract's Zod schema), then drop it — the
 *     least any consumer of these topics does;
 *   - drift-watch: the same decode, then the engine (per-user category mixes, Steck C_KL, stance metrics, population
 *     buckets with Gini / MinHash homogenization / Esteban–Ray / bimodality, a detector per signal) and, every
 *     DRIFT_FLUSH_EVENTS messages, the snapshot serialisation a commit needs (Postgres itself is not timed).
 * Rounds alternate between the two to share noise; the best round of each is reported, as CPU ns/event and as a ratio.
 *
 *   npm run build && node dist/bench/drift-watch-cost.bench.js [--users 400] [--rounds 250] [--repeats 3]
 */
import { exposureV1, feedbackEventV1, parseJsonWith } from '@chorus/contracts';
import { driftCatalogue, interleave, userStream, type DriftMessage } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { EngineHarness } from '../services/drift-watch/src/testing/engine-harness';
import { flag } from './bench-stack';

const USERS = flag('users', 400);
const ROUNDS = flag('rounds', 250);
const REPEATS = flag('repeats', 3);
const FLUSH_EVENTS = 20_000;

interface Encoded {
  topic: 'feedback' | 'exposures';
  value: Buffer;
}

function scenario(): Encoded[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const streams: DriftMessage[][] = [];
  for (let u = 0; u < USERS; u++) {
    const base = { userId: `user-${u}`, domain: 'news', rounds: ROUNDS, seed: 10_000 + u, startMs: start, stepMs: 60_000 };
    // 90 % stable users, 5 % narrowing, 5 % drifting into a stance camp: detectors fire now and then, as in production.
    if (u % 20 === 0) streams.push(userStream({ ...base, narrow: { category: 'politics', from: ROUNDS / 4, to: ROUNDS / 2 } }));
    else if (u % 20 === 1) streams.push(userStream({ ...base, camp: { side: u % 40 === 1 ? 1 : -1, from: ROUNDS / 4, to: ROUNDS / 2 } }));
    else streams.push(userStream(base));
  }
  return interleave(streams).map((m) => ({ topic: m.topic, value: Buffer.from(JSON.stringify(m.value)) }));
}

/**
 * CPU time of this process (user + system, GC threads included), in ns: the machine is shared, and wall time counts
 * whatever else runs on its cores — a round's wall time swung 6× under load where its CPU time did not.
 */
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

function decode(message: Encoded) {
  const text = message.value.toString('utf8');
  return message.topic === 'feedback' ? parseJsonWith(feedbackEventV1, text) : parseJsonWith(exposureV1, text);
}

/** The no-op consumer: decode, validate, drop. Returns ns/event. */
function noop(messages: Encoded[]): number {
  let valid = 0;
  const started = cpuNs();
  for (const message of messages) if (decode(message).ok) valid++;
  const ns = cpuNs() - started;
  if (valid !== messages.length) throw new Error(`only ${valid} of ${messages.length} messages decoded`);
  return ns / messages.length;
}

/** Decode + engine (+ snapshot serialisation every FLUSH_EVENTS). Returns ns/event and what the run raised. */
function driftWatch(messages: Encoded[], serialise: boolean): { ns: number; alerts: number; detections: number } {
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
  let alerts = 0;
  let offset = 0;
  const started = cpuNs();
  for (const message of messages) {
    const parsed = decode(message);
    if (!parsed.ok) throw new Error('invalid message');
    const source = { topic: message.topic, partition: 0, offset: String(offset++) };
    const outcome =
      message.topic === 'feedback' ? harness.engine.applyFeedback(parsed.value as never, source) : harness.engine.applyExposure(parsed.value as never, source);
    if (outcome !== 'applied') throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
    if (serialise && offset % FLUSH_EVENTS === 0) alerts += harness.state.snapshot().alerts.length;
  }
  if (serialise) alerts += harness.state.snapshot().alerts.length;
  const ns = cpuNs() - started;
  return { ns: ns / messages.length, alerts, detections: harness.detections.length };
}

function main(): void {
  process.stdout.write(`building ${USERS} users × ${ROUNDS} rounds (a served list of 10 items + a click per round)...\n`);
  const messages = scenario();
  process.stdout.write(`${messages.length} messages; warming up...\n`);
  noop(messages.slice(0, 20_000));
  driftWatch(messages.slice(0, 20_000), true);

  const base: number[] = [];
  const engine: number[] = [];
  const withCommit: number[] = [];
  let last = { alerts: 0, detections: 0 };
  for (let round = 1; round <= REPEATS; round++) {
    base.push(noop(messages));
    const plain = driftWatch(messages, false);
    engine.push(plain.ns);
    const full = driftWatch(messages, true);
    withCommit.push(full.ns);
    last = { alerts: full.alerts, detections: full.detections };
    process.stdout.write(
      `round ${round}: no-op ${base.at(-1)!.toFixed(0)} ns/event, drift-watch ${plain.ns.toFixed(0)} ns/event, with commit snapshots ${full.ns.toFixed(0)} ns/event\n`,
    );
  }
  const best = (xs: number[]) => Math.min(...xs);
  const b = best(base);
  const e = best(engine);
  const c = best(withCommit);
  process.stdout.write(
    [
      '',
      `drift-watch per-event cost over ${messages.length} messages (best of ${REPEATS} rounds each; ${last.detections} detector drifts, ${last.alerts} alerts raised per run)`,
      `  no-op consumer (decode + validate)                        ${b.toFixed(0).padStart(7)} ns/event   ${(1e9 / b / 1000).toFixed(0)}k events/s`,
      `  drift-watch (decode + metrics + detectors)                ${e.toFixed(0).padStart(7)} ns/event   ${(1e9 / e / 1000).toFixed(0)}k events/s`,
      `  drift-watch + commit snapshots every ${FLUSH_EVENTS}           ${c.toFixed(0).padStart(7)} ns/event   ${(1e9 / c / 1000).toFixed(0)}k events/s`,
      `  ratio drift-watch / no-op                                 ${(e / b).toFixed(2)}   (metrics + detectors alone: ${(e - b).toFixed(0)} ns/event)`,
      `  ratio drift-watch with snapshots / no-op                  ${(c / b).toFixed(2)}`,
      '',
    ].join('\n'),
  );
}

main();
