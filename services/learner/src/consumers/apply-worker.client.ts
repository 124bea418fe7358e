import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LEARNER_CONFIG, type LearnerConfig } from '../learner.config';
import { packBatch, transferList, type FromWorker, type ToWorker } from '../workers/apply-worker.protocol';

type Applied = Extract<FromWorker, { type: 'applied' }>;
export type Flushed = Extract<FromWorker, { type: 'flushed' }>;

/** Where the worker's reports go (the feedback ingest). */
export interface ApplyWorkerEvents {
  flushed(flushed: Flushed): void;
  fatal(error: Error): void;
  /** A commit was fenced; the worker holds still until {@link ApplyWorkerClient.reload}. */
  fenced(fence: Extract<FromWorker, { type: 'fenced' }>): void;
  log(message: Extract<FromWorker, { type: 'log' }>): void;
}

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
 *
 * Once the worker thread has exited, every request still waiting and every later one is rejected with the reason, and
 * the exit is reported as fatal: an answer that can no longer come must not be waited for.
 */
@Injectable()
export class ApplyWorkerClient implements OnModuleInit {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (value: Applied | undefined) => void; reject: (error: Error) => void }>();
  private batchesInFlight = 0;
  private slotFreed?: () => void;
  private readonly ready: Promise<void>;
  private events?: ApplyWorkerEvents;
  /** Why the worker is gone (set when it exits). */
  private gone?: Error;
  private terminating = false;
  readonly maxInFlight = 4;

  constructor(@Inject(LEARNER_CONFIG) config: LearnerConfig) {
    this.worker = new Worker(workerScript(), { workerData: config });
    this.ready = new Promise((resolveReady, rejectReady) => {
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
            this.pending.get(message.seq)?.resolve(message.type === 'applied' ? message : undefined);
            this.pending.delete(message.seq);
            return;
          case 'flushed':
            return this.events?.flushed(message);
          case 'log':
            return this.events?.log(message);
          case 'fatal':
            return this.events?.fatal(Object.assign(new Error(message.message), { stack: message.stack }));
          case 'fenced':
            return this.events?.fenced(message);
        }
      });
      this.worker.on('error', (error) => this.events?.fatal(error));
      this.worker.on('exit', (code) => {
        this.gone = new Error(`learner apply worker exited with code ${code}${this.terminating ? ' (stopped)' : ''}; restart the learner to resume from Postgres`);
        rejectReady(this.gone);
        for (const { reject } of this.pending.values()) reject(this.gone);
        this.pending.clear();
        this.slotFreed?.();
        if (!this.terminating) this.events?.fatal(this.gone);
      });
    });
    // A worker that dies before anyone awaits start() is reported through `fatal`, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Set once, by whoever consumes the worker's reports. */
  report(events: ApplyWorkerEvents): void {
    this.events = events;
  }

  async onModuleInit(): Promise<void> {
    await this.ready;
  }

  /**
   * Post a batch once fewer than `maxInFlight` are outstanding. Resolves when it is posted; `applied` resolves when
   * the worker has applied it. Both reject once the worker is gone.
   */
  async apply(partition: number, messages: readonly { offset: string; key: Buffer | null; value: Buffer | null }[]): Promise<{ applied: Promise<Applied | undefined> }> {
    while (this.batchesInFlight >= this.maxInFlight && !this.gone) await new Promise<void>((resolve) => (this.slotFreed = resolve));
    if (this.gone) throw this.gone;
    const packed = packBatch(partition, messages);
    this.batchesInFlight++;
    return { applied: this.post({ type: 'batch', seq: ++this.seq, ...packed }, transferList(packed)) };
  }

  /** Drop cached catalogue entries whose items changed. */
  evict(itemIds: string[]): void {
    if (!this.gone) this.worker.postMessage({ type: 'evict', itemIds } satisfies ToWorker);
  }

  /** Commit what the worker holds and forget it (after a rebalance). */
  reassign(): Promise<unknown> {
    return this.post({ type: 'reassign', seq: ++this.seq });
  }

  /** Forget what the worker holds, uncommitted batches included (after a fence). */
  reload(): Promise<unknown> {
    return this.post({ type: 'reload', seq: ++this.seq });
  }

  /** Commit what the worker holds, then end the thread. */
  async stop(): Promise<void> {
    if (!this.gone) await this.post({ type: 'stop', seq: ++this.seq });
    this.terminating = true;
    await this.worker.terminate();
  }

  private post(message: Extract<ToWorker, { seq: number }>, transfer: ArrayBuffer[] = []): Promise<Applied | undefined> {
    if (this.gone) return Promise.reject(this.gone);
    const answered = new Promise<Applied | undefined>((resolve, reject) => this.pending.set(message.seq, { resolve, reject }));
    this.worker.postMessage(message, transfer);
    return answered;
  }
}
