import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { freePort } from '../../scripts/local-stack';
import { pollUntil } from './poll';

export { freePort };

// This file runs from the source tree (tests, through vitest) and from dist/test/support (benches built to dist/): either
// way the services' compiled entry points are under the repository's dist/.
const here = join(__dirname, '..', '..');
const dist = basename(here) === 'dist' ? here : join(here, 'dist');

/**
 * A Chorus service as a real OS process running dist/ (compiled by the e2e global setup), on a free port, so a test
 * can SIGSTOP, SIGKILL and restart it.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  readonly output: string[] = [];
  port = 0;
  /** Resolves when the latest start's process exits: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

  constructor(
    private readonly service: 'gateway' | 'learner' | 'reranker' | 'drift-watch' | 'notifier',
    /** The environment variable the service reads its HTTP port from. */
    private readonly portVariable: string,
    private readonly env: NodeJS.ProcessEnv,
    /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS refuses); its worker threads inherit them. */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  async start(extra: Record<string, string> = {}): Promise<void> {
    this.port = await freePort();
    this.child = spawn(process.execPath, [...this.nodeArgs, join(dist, 'services', this.service, 'src', 'main.js')], {
      env: { ...process.env, ...this.env, ...extra, [this.portVariable]: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    await pollUntil(() => fetch(`http://127.0.0.1:${this.port}/health`).then((r) => r.status), (s) => s === 200, {
      what: `${this.service} /health`,
      timeoutMs: 60_000,
    }).catch((error: Error) => {
      throw new Error(`${error.message}; ${this.running ? 'still running' : 'exited'}, its output ends: ${this.output.join('').slice(-2_000)}`);
    });
  }

  /** The process is running (started and not yet exited). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The error lines the service logged last (why it stopped), or the end of its output. */
  lastErrors(): string {
    const lines = this.output.join('').split('\n');
    const errors = lines.filter((line) => /"level":"(error|fatal)"|Error:/.test(line));
    return (errors.length > 0 ? errors.slice(-3) : lines.slice(-5)).join('\n').slice(-2_000);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  metrics(): Promise<string> {
    return fetch(`http://127.0.0.1:${this.port}/metrics`).then((r) => r.text());
  }

  /** Sum of a metric's series (e.g. a per-partition gauge) from /metrics. */
  async metricSum(name: string): Promise<number> {
    let sum = 0;
    for (const line of (await this.metrics()).split('\n')) if (line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
    return sum;
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.child!.pid!, signal);
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
