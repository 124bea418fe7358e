import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { checkHealth, MetricsAccess, probes, Public } from '@chorus/platform';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { NotifierRuntime } from '../notifier.runtime';

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    @Inject(NotifierRuntime) private readonly runtime: NotifierRuntime,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  @Public()
  async health(@Res() response: Response): Promise<void> {
    const result = await checkHealth({ kafka: probes.kafka(this.runtime.admin), postgres: probes.postgres(this.runtime.db), redis: probes.redis(this.runtime.redis) });
    response.status(result.status === 'up' ? 200 : 503).json(result);
  }

  @Get('metrics')
  @MetricsAccess()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
