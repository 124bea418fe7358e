import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pollUntil } from './poll';
import { freePort } from './service-process';

/**
 * A Redis server of the test's own on a free port, started like CI's (`--save "" --appendonly no`: nothing survives a
 * restart), so a test can kill it without touching the shared one on 6379. `destroy()` in afterAll.
 */
export class PrivateRedis {
  port = 0;
  private child?: ChildProcess;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await pollUntil(() => this.ping(), (pong) => pong, { what: `redis-server on ${this.port}`, timeoutMs: 10_000, intervalMs: 50 });
  }

  /** SIGKILL: every key is gone, as after a crash of the CI Redis. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async destroy(): Promise<void> {
    await this.kill();
  }

  private async ping(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}
