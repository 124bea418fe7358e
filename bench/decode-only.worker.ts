import { parentPort } from 'node:worker_threads';
import { decodeFeedbackEvent } from '@chorus/contracts';
import { BatchView, type PackedBatch } from '../services/learner/src/workers/apply-worker.protocol';

/**
 * bench:ingest's "learner without learning": receives batches packed exactly as the learner's Kafka thread packs them
 * and does only what every consumer of the topic must, the decode, then answers with how many records it decoded.
 * No models, no dedupe, no Postgres. The learner's pipeline cannot run faster than this on the same machine.
 */
const port = parentPort!;
port.on('message', (batch: PackedBatch) => {
  const view = new BatchView(batch);
  let decoded = 0;
  for (let i = 0; i < view.length; i++) if (decodeFeedbackEvent(view.text, view.valueStartOf(i), view.valueEndOf(i))) decoded++;
  port.postMessage(decoded);
});
