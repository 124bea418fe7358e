import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { withDeadline } from '../timing/settle-within';

export interface ProbeResult {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export type Probe = () => Promise<void>;

async function run(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  try {
    await withDeadline(probe(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, error: (error as Error).message };
  }
}

/** Run named dependency probes in parallel; the whole is up only when every part is. */
export async function checkHealth(probes: Record<string, Probe>, timeoutMs = 2_000) {
  const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await run(probe, timeoutMs)] as const));
  const checks = Object.fromEntries(entries);
  const status = entries.every(([, r]) => r.status === 'up') ? 'up' : 'down';
  return { status, checks } as { status: 'up' | 'down'; checks: Record<string, ProbeResult> };
}

export const probes = {
  kafka: (admin: Admin): Probe => async () => {
    await admin.describeCluster();
  },
  postgres: (db: DataSource): Probe => async () => {
    await db.query('SELECT 1');
  },
  redis: (redis: Redis): Probe => async () => {
    await redis.ping();
  },
};
