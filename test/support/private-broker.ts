import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process';

const run = promisify(execFile);
const kafkaScript = resolve(__dirname, '..', '..', 'infra', 'kafka', 'kafka.sh');

/**
 * A Kafka broker of the test's own (infra/kafka/kafka.sh on free ports, data in a temp dir), so a test can SIGKILL
 * and restart a broker without touching the shared one on 9092. The jar classpath is the cached one; a start takes
 * ~6 s. `destroy()` kills it and deletes its data and per-port state; call it in afterAll.
 */
export class PrivateBroker {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'chorus-kafka-'));
  port = 0;
  controllerPort = 0;

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** Start (the first time: format the data dir) and wait until a metadata request succeeds. */
  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      this.controllerPort = await freePort();
    }
    await this.script('start');
  }

  /** SIGKILL the broker; its data is kept for the next start. */
  async kill(): Promise<void> {
    await this.script('kill');
  }

  async destroy(): Promise<void> {
    if (this.port !== 0) {
      await this.script('kill').catch(() => undefined);
      const { stdout } = await run('realpath', ['-m', resolve(kafkaScript, '..', '.runtime', `broker-${this.port}`)]);
      rmSync(stdout.trim(), { recursive: true, force: true });
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async script(command: 'start' | 'kill'): Promise<void> {
    await run('bash', [kafkaScript, command], {
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA_DIR: this.dataDir, KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m' },
      timeout: 120_000,
    });
  }
}
