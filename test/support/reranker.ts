import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@chorus/platform';
import { Registry } from 'prom-client';
import { loadRerankerConfig } from '../../services/reranker/src/reranker.config';
import { RerankerModule } from '../../services/reranker/src/reranker.module';
import { RerankerRuntime } from '../../services/reranker/src/reranker.runtime';
import { pollUntil } from './poll';
import { freePort } from './services';

const root = join(__dirname, '..', '..');

/** The reranker in this process (for tests that do not kill it). */
export async function startReranker(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; runtime: RerankerRuntime; registry: Registry }> {
  const app = await NestFactory.create(RerankerModule.register(loadRerankerConfig(env)), { logger: new JsonLogger('reranker', 'warn') });
  await app.listen(0, '127.0.0.1');
  return { app, runtime: app.get(RerankerRuntime), registry: app.get(Registry) };
}

/** Sum of a counter's samples whose labels include every `labels` pair, from a Prometheus text exposition. */
export function counterValue(exposition: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** The reranker as a real OS process (dist/, compiled by the e2e global setup), so a test can SIGKILL it. */
export class RerankerProcess {
  private child?: ChildProcess;
  readonly output: string[] = [];
  port = 0;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(extra: Record<string, string> = {}): Promise<void> {
    this.port = await freePort();
    this.child = spawn(process.execPath, [join(root, 'dist/services/reranker/src/main.js')], {
      env: { ...process.env, ...this.env, ...extra, RERANKER_HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    await pollUntil(() => fetch(`http://127.0.0.1:${this.port}/health`).then((r) => r.status), (s) => s === 200, { what: 'reranker /health', timeoutMs: 60_000 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
