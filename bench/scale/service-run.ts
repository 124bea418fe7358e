import { Presets, SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import type { ServiceProcess } from '../../test/support/service-process';
import type { benchStack } from '../bench-stack';
import { PeakRssSampler, readProcStats } from './proc-stats';

/** The environment of services run as OS processes against a bench stack: its topics, database and groups. */
export function serviceEnv(stack: Awaited<ReturnType<typeof benchStack>>, partitions: number): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: stack.prefix,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    LOG_LEVEL: 'warn',
    FEEDBACK_PARTITIONS: String(partitions),
    LEARNER_GROUP_ID: `learner-${stack.id}`,
    DRIFT_GROUP_ID: `drift-${stack.id}`,
    // A killed member's partitions come back after this long: the floor the config allows, as in the e2e tests.
    LEARNER_SESSION_TIMEOUT_MS: '6000',
    DRIFT_SESSION_TIMEOUT_MS: '6000',
  };
}

/** Offsets committed to Postgres by a consumer group (the learner and drift-watch commit their offsets of record there). */
export async function committed(db: DataSource, groupId: string): Promise<number> {
  const [row] = await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets WHERE group_id = $1`, [groupId]);
  return Number(row.n);
}

/** Polls `read` until `done` holds (a failed read counts as not yet). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, intervalMs = 250): Promise<T> {
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A progress bar (on a terminal) around a long step; `run` reports how far it is. */
export async function withBar<T>(label: string, total: number, run: (update: (done: number) => void) => Promise<T>): Promise<T> {
  const bar = new SingleBar({ format: `${label.padEnd(36)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  try {
    return await run((done) => bar.update(Math.min(done, total)));
  } finally {
    bar.stop();
  }
}

/** A service's consumption of a topic: wall-clock rate, its own CPU per event, its peak RSS. */
export interface Consumption {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  peakRssMiB: number;
}

/**
 * Starts `service`, waits for its first consumed offset (`progress` > 0; the clock and its CPU counter start there),
 * then for `committedOffsets` to reach `events`. Samples its RSS throughout.
 */
export async function consume(label: string, service: ServiceProcess, events: number, committedOffsets: () => Promise<number>, progress: () => Promise<number>): Promise<Consumption> {
  await service.start();
  const pid = service.pid!;
  const peak = new PeakRssSampler(pid);
  await until(progress, (n) => n > 0, 20);
  const started = process.hrtime.bigint();
  const cpuAtStart = readProcStats(pid).cpuSeconds;
  await withBar(label, events, (update) => until(committedOffsets, (n) => (update(n), n >= events)));
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = readProcStats(pid).cpuSeconds - cpuAtStart;
  const result = { eventsPerSecond: events / wall, cpuMicrosPerEvent: (cpu * 1e6) / events, peakRssMiB: peak.stop() / (1024 * 1024) };
  process.stdout.write(`${label}: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s, ${result.cpuMicrosPerEvent.toFixed(1)} µs CPU/event, peak RSS ${result.peakRssMiB.toFixed(0)} MiB\n`);
  return result;
}
