import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { checkHealth, MetricsAccess, probes, Public } from '@chorus/platform';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { KAFKA_ADMIN } from '../gateway.tokens';

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Redis) private readonly redis: Redis,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  @Public()
  async health(@Res() response: Response): Promise<void> {
    const result = await checkHealth({ kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db), redis: probes.redis(this.redis) });
    response.status(result.status === 'up' ? 200 : 503).json(result);
  }

  @Get('metrics')
  @MetricsAccess()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
