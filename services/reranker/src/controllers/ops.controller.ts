import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { checkHealth, probes } from '@chorus/platform';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { RerankerRuntime } from '../reranker.runtime';

@Controller()
export class OpsController {
  constructor(
    @Inject(RerankerRuntime) private readonly runtime: RerankerRuntime,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  async health(@Res() response: Response): Promise<void> {
    const result = await checkHealth({
      kafka: probes.kafka(this.runtime.admin),
      postgres: probes.postgres(this.runtime.db),
      redis: probes.redis(this.runtime.workerConnection),
    });
    response.status(result.status === 'up' ? 200 : 503).json(result);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
