import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { MetricsAccess, Public } from '../auth/route-access';
import { checkHealth } from '../health/health-probes';
import { SERVICE_HEALTH, type ServiceHealth } from './runtime-service.providers';

/**
 * The one ops controller of every service: /health (the dependencies the service's {@link SERVICE_HEALTH} names; 503
 * when any is down) and /metrics (Prometheus; behind METRICS_SCOPE when set). Left out of the OpenAPI documents.
 */
@ApiExcludeController()
@Controller()
export class RuntimeOpsController {
  constructor(
    @Inject(SERVICE_HEALTH) private readonly service: ServiceHealth,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  @Public()
  async health(@Res() response: Response): Promise<void> {
    const result = await checkHealth(this.service.healthProbes());
    response.status(result.status === 'up' ? 200 : 503).json(result);
  }

  @Get('metrics')
  @MetricsAccess()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
