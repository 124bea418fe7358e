import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { checkHealth, probes } from '@chorus/platform';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { DriftWatchRuntime } from '../drift-watch.runtime';

@Controller()
export class OpsController {
  constructor(
    @Inject(DriftWatchRuntime) private readonly runtime: DriftWatchRuntime,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  async health(@Res() response: Response): Promise<void> {
    const result = await checkHealth({
      kafka: probes.kafka(this.runtime.admin),
      postgres: probes.postgres(this.runtime.db),
      ...(this.runtime.redisProbe ? { redis: this.runtime.redisProbe } : {}),
    });
    response.status(result.status === 'up' ? 200 : 503).json(result);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
