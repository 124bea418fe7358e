/**
 * Feedback decode cost: ns per event to turn a Kafka batch's message bytes into validated chorus.feedback.v1 events,
 * in process, on the same batches, measured in one run.
 *   - baseline: per message, Buffer subarray → toString('utf8') → parseFeedbackMessage (JSON.parse + fast path, the
 *     schema for the rest) — what the learner did per record (also shown: the same with toString(encoding, start,
 *     end) instead of a Buffer view, which the learner's BatchView uses — a stricter baseline);
 *   - decoder: per batch, one latin1 decode of the whole buffer; per message, decodeFeedbackEvent on its byte range,
 *     falling back to the baseline for the messages it declines (counted and timed).
 * Messages are what the ingest bench and the gateway produce (feedbackStream events as the schema outputs them,
 * JSON.stringify'd; --unparsed: the stream's own objects, another key order and no default scale), packed back to back
 * into ~15 kB batches as a fetch hands them over. Rounds alternate between the two to share noise; the best round of
 * each is reported, as ns/event and as a ratio.
 *
 *   npm run bench:decode -- [--events 200000] [--users 2000] [--batch-bytes 15000] [--rounds 11] [--unparsed]
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeFeedbackEvent, feedbackEventV1, parseFeedbackMessage, type FeedbackEventV1 } from '@chorus/contracts';
import { feedbackStream } from '../test/support/feedback-factory';
import { flag } from './bench-stack';

const EVENTS = flag('events', 200_000);
const USERS = flag('users', 2000);
const BATCH_BYTES = flag('batch-bytes', 15_000);
const ROUNDS = flag('rounds', 11);
const UNPARSED = process.argv.includes('--unparsed');
const TARGET = 0.35;

interface Batch {
  bytes: Buffer;
  /** Message i is bytes [starts[i], starts[i + 1]). */
  starts: Int32Array;
}

function batches(): Batch[] {
  const messages = feedbackStream(EVENTS, { users: USERS, items: 1000, seed: 1 }).map((e) => Buffer.from(JSON.stringify(UNPARSED ? e : feedbackEventV1.parse(e)), 'utf8'));
  const out: Batch[] = [];
  for (let first = 0; first < messages.length; ) {
    let last = first;
    let size = 0;
    while (last < messages.length && (last === first || size + messages[last]!.length <= BATCH_BYTES)) size += messages[last++]!.length;
    const starts = new Int32Array(last - first + 1);
    for (let i = first; i < last; i++) starts[i - first + 1] = starts[i - first]! + messages[i]!.length;
    out.push({ bytes: Buffer.concat(messages.slice(first, last), size), starts });
    first = last;
  }
  return out;
}

// Each pass returns a checksum of every event it produced (folded into `sink` and printed), so no work is skipped as
// unused; passes count in a local, which keeps a module variable's store out of the timed loop.
let sink = 0;

function baseline(all: Batch[]): number {
  let checksum = 0;
  for (const { bytes, starts } of all) {
    for (let i = 0; i + 1 < starts.length; i++) {
      const parsed = parseFeedbackMessage(bytes.subarray(starts[i], starts[i + 1]).toString('utf8'));
      if (parsed.ok) checksum += parsed.value.userId.length;
    }
  }
  return checksum;
}

/** The same without the per-message Buffer view: toString(encoding, start, end), as the learner's BatchView does. */
function baselineNoView(all: Batch[]): number {
  let checksum = 0;
  for (const { bytes, starts } of all) {
    for (let i = 0; i + 1 < starts.length; i++) {
      const parsed = parseFeedbackMessage(bytes.toString('utf8', starts[i], starts[i + 1]));
      if (parsed.ok) checksum += parsed.value.userId.length;
    }
  }
  return checksum;
}

let fallbacks = 0;

function decoder(all: Batch[]): number {
  let checksum = 0;
  for (const { bytes, starts } of all) {
    const text = bytes.toString('latin1'); // once per batch: one char per byte
    for (let i = 0; i + 1 < starts.length; i++) {
      let event: FeedbackEventV1 | undefined = decodeFeedbackEvent(text, starts[i]!, starts[i + 1]!);
      if (event === undefined) {
        fallbacks++;
        const parsed = parseFeedbackMessage(bytes.subarray(starts[i], starts[i + 1]).toString('utf8'));
        if (parsed.ok) event = parsed.value;
      }
      if (event) checksum += event.userId.length;
    }
  }
  return checksum;
}

function nsPerEvent(run: (all: Batch[]) => number, all: Batch[]): number {
  const started = process.hrtime.bigint();
  sink += run(all);
  return Number(process.hrtime.bigint() - started) / EVENTS;
}

function main(): void {
  if (EVENTS < 200_000) process.stdout.write(`note: --events ${EVENTS} is below the 200k the target is stated for\n`);
  const all = batches();
  const bytes = all.reduce((n, b) => n + b.bytes.length, 0);
  process.stdout.write(`${EVENTS} events, ${all.length} batches of ~${Math.round(bytes / all.length)} bytes (${(bytes / EVENTS).toFixed(0)} bytes/event)\n`);

  // The two must agree before their speed means anything.
  let declined = 0;
  for (const { bytes: buffer, starts } of all) {
    const text = buffer.toString('latin1');
    for (let i = 0; i + 1 < starts.length; i++) {
      const fast = decodeFeedbackEvent(text, starts[i]!, starts[i + 1]!);
      const slow = parseFeedbackMessage(buffer.toString('utf8', starts[i], starts[i + 1]));
      if (fast === undefined) declined++;
      else if (!slow.ok || !isDeepStrictEqual(fast, slow.value)) throw new Error(`decoder and schema disagree on ${buffer.toString('utf8', starts[i], starts[i + 1])}`);
    }
  }
  process.stdout.write(`decoder agrees with the schema on all ${EVENTS} events; it declined ${declined}\n`);

  const base: number[] = [];
  const noView: number[] = [];
  const fast: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    base.push(nsPerEvent(baseline, all));
    fast.push(nsPerEvent(decoder, all));
    noView.push(nsPerEvent(baselineNoView, all));
    process.stdout.write(`round ${round}: baseline ${base.at(-1)!.toFixed(0)} ns/event (${noView.at(-1)!.toFixed(0)} without the Buffer view), decoder ${fast.at(-1)!.toFixed(0)} ns/event\n`);
  }
  const best = (xs: number[]) => Math.min(...xs);
  const ratio = best(fast) / best(base);
  process.stdout.write(
    [
      '',
      `feedback decode over ${EVENTS} ${UNPARSED ? 'unparsed ' : ''}events in ${all.length} batches (best of ${ROUNDS} rounds each)`,
      `  baseline: subarray().toString('utf8') + parseFeedbackMessage   ${best(base).toFixed(0)} ns/event`,
      `            toString('utf8', start, end) + parseFeedbackMessage  ${best(noView).toFixed(0)} ns/event`,
      `  decoder:  toString('latin1') per batch + decodeFeedbackEvent   ${best(fast).toFixed(0)} ns/event  (${fallbacks / ROUNDS} fallbacks per round)`,
      `  ratio     decoder / baseline                                   ${ratio.toFixed(2)}  (${(1 / ratio).toFixed(1)}× faster; target ≤ ${TARGET.toFixed(2)})`,
      `            decoder / baseline without the Buffer view           ${(best(fast) / best(noView)).toFixed(2)}`,
      `  (checksum ${sink})`,
      '',
    ].join('\n'),
  );
}

main();
