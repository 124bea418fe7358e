import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@chorus/platform';
import { createGatewayApp } from '../../services/gateway/src/gateway.app';
import { loadGatewayConfig } from '../../services/gateway/src/gateway.config';
import { loadLearnerConfig } from '../../services/learner/src/learner.config';
import { LearnerModule } from '../../services/learner/src/learner.module';
import { LearnerRuntime } from '../../services/learner/src/learner.runtime';
import { pollUntil } from './poll';

const root = join(__dirname, '..', '..');

export async function startGateway(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; url: string }> {
  const app = await createGatewayApp(loadGatewayConfig(env));
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** The learner in this process (for tests that do not kill it). Fatal errors fail the test instead of exiting. */
export async function startLearner(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; runtime: LearnerRuntime; fatal: Error[] }> {
  const fatal: Error[] = [];
  const app = await NestFactory.create(LearnerModule.register(loadLearnerConfig(env), (error) => fatal.push(error)), {
    logger: new JsonLogger('learner', 'warn'),
  });
  await app.listen(0, '127.0.0.1');
  return { app, runtime: app.get(LearnerRuntime), fatal };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The learner as a real OS process, so a test can SIGKILL it. */
export class LearnerProcess {
  private child?: ChildProcess;
  readonly output: string[] = [];
  port = 0;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Runs dist/, which the e2e global setup compiles before any file starts. */
  async start(): Promise<void> {
    this.port = await freePort();
    this.child = spawn(process.execPath, [join(root, 'dist/services/learner/src/main.js')], {
      env: { ...process.env, ...this.env, LEARNER_HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    await pollUntil(() => fetch(`http://127.0.0.1:${this.port}/health`).then((r) => r.status), (s) => s === 200, { what: 'learner /health', timeoutMs: 60_000 });
  }

  /** Sum of a per-partition gauge from /metrics. */
  async metricSum(name: string): Promise<number> {
    const text = await fetch(`http://127.0.0.1:${this.port}/metrics`).then((r) => r.text());
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
    return sum;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child!;
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
