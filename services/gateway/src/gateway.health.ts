import { Inject, Injectable } from '@nestjs/common';
import { probes, type Probe, type ServiceHealth } from '@chorus/platform';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KAFKA_ADMIN } from './gateway.tokens';

/** What the gateway's /health checks: the broker, Postgres and Redis (the rerank queue and quotas). */
@Injectable()
export class GatewayHealth implements ServiceHealth {
  constructor(
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Redis) private readonly redis: Redis,
  ) {}

  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db), redis: probes.redis(this.redis) };
  }
}
