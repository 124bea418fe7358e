import type { Provider } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { RetentionSweeper, type RetentionPolicy, type RetentionSweeperOptions } from './retention-sweeper';

/**
 * A service's {@link RetentionSweeper} as a Nest provider: its policies over the service's Postgres, its deleted-rows
 * counter in the service's registry. Each service says only what it keeps and how it sweeps.
 */
export function retentionSweeperProvider(policies: (db: DataSource) => RetentionPolicy[], settings: Omit<RetentionSweeperOptions, 'registry'>): Provider {
  return {
    provide: RetentionSweeper,
    inject: [DataSource, Registry],
    useFactory: (db: DataSource, registry: Registry) => new RetentionSweeper(policies(db), { ...settings, registry }),
  };
}
