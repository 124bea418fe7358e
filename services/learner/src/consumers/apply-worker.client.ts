import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LearnerConfig } from '../learner.config';
import { packBatch, transferList, type FromWorker, type ToWorker } from '../workers/apply-worker.protocol';

type Applied = Extract<FromWorker, { type: 'applied' }>;
type Flushed = Extract<FromWorker, { type: 'flushed' }>;

/** Compiled worker script: beside this file in dist/, or in dist/ when this file runs from source (tests). */
function workerScript(): string {
  const sibling = join(__dirname, '..', 'workers', 'feedback-apply.worker.js');
  if (existsSync(sibling)) return sibling;
  const built = resolve(__dirname, '..', '..', '..', '..', 'dist', 'services', 'learner', 'src', 'workers', 'feedback-apply.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`learner apply worker not found at ${sibling} or ${built}; run "npm run build" first`);
}

/**
 * The Kafka thread's handle on the apply worker: posts batches (at most `maxInFlight` unanswered, so a slow worker
 * slows fetching instead of queueing without bound) and hears back about applied batches and committed snapshots.
 */
export class ApplyWorkerClient {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, (value: Applied | undefined) => void>();
  private batchesInFlight = 0;
  private slotFreed?: () => void;
  private readonly ready: Promise<void>;

  constructor(
    config: LearnerConfig,
    private readonly onFlushed: (flushed: Flushed) => void,
    private readonly onFatal: (error: Error) => void,
    private readonly onLog: (message: Extract<FromWorker, { type: 'log' }>) => void,
    private readonly maxInFlight = 4,
  ) {
    this.worker = new Worker(workerScript(), { workerData: config });
    this.ready = new Promise((resolveReady) => {
      this.worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            return resolveReady();
          case 'applied':
          case 'done':
            if (message.type === 'applied') {
              this.batchesInFlight--;
              this.slotFreed?.();
            }
            this.pending.get(message.seq)?.(message.type === 'applied' ? message : undefined);
            this.pending.delete(message.seq);
            return;
          case 'flushed':
            return this.onFlushed(message);
          case 'log':
            return this.onLog(message);
          case 'fatal':
            return this.onFatal(Object.assign(new Error(message.message), { stack: message.stack }));
        }
      });
    });
    this.worker.on('error', (error) => this.onFatal(error));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.onFatal(new Error(`learner apply worker exited with code ${code}`));
    });
  }

  async start(): Promise<void> {
    await this.ready;
  }

  /**
   * Post a batch once fewer than `maxInFlight` are outstanding. Resolves when it is posted; `applied` resolves when
   * the worker has applied it.
   */
  async apply(partition: number, messages: readonly { offset: string; key: Buffer | null; value: Buffer | null }[]): Promise<{ applied: Promise<Applied | undefined> }> {
    while (this.batchesInFlight >= this.maxInFlight) await new Promise<void>((resolve) => (this.slotFreed = resolve));
    const packed = packBatch(partition, messages);
    this.batchesInFlight++;
    return { applied: this.post({ type: 'batch', seq: ++this.seq, ...packed }, transferList(packed)) };
  }

  /** Drop cached catalogue entries whose items changed. */
  evict(itemIds: string[]): void {
    this.worker.postMessage({ type: 'evict', itemIds } satisfies ToWorker);
  }

  /** Commit what the worker holds and forget it (after a rebalance). */
  reassign(): Promise<unknown> {
    return this.post({ type: 'reassign', seq: ++this.seq });
  }

  async stop(): Promise<void> {
    await this.post({ type: 'stop', seq: ++this.seq });
    await this.worker.terminate();
  }

  private post(message: Extract<ToWorker, { seq: number }>, transfer: ArrayBuffer[] = []): Promise<Applied | undefined> {
    const answered = new Promise<Applied | undefined>((resolveAnswer) => this.pending.set(message.seq, resolveAnswer));
    this.worker.postMessage(message, transfer);
    return answered;
  }
}
