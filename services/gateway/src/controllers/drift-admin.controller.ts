import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope, type CallerKey } from '@chorus/platform';
import { DriftAdminUseCase } from '../usecases/drift-admin.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('drift')
@ApiSecurity('api-key')
@Controller('v1/admin/drift')
export class DriftAdminController {
  constructor(@Inject(DriftAdminUseCase) private readonly drift: DriftAdminUseCase) {}

  @Get('alerts')
  @RequireScope('admin')
  @ApiOperation({ summary: 'List drift alerts, newest first; filter by scope, metric, domain, subject, severity, acknowledged, raisedAt range; page with nextCursor' })
  @ApiQuery({ name: 'scope', required: false, enum: ['user', 'segment', 'population'] })
  @ApiQuery({ name: 'metric', required: false })
  @ApiQuery({ name: 'domain', required: false })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'severity', required: false, enum: ['warning', 'critical'] })
  @ApiQuery({ name: 'acknowledged', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'from', required: false, description: 'raisedAt ≥ from (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'raisedAt < to (ISO-8601)' })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  list(@Query() query: Record<string, unknown>) {
    return this.drift.listAlerts(query);
  }

  @Get('alerts/:id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'One drift alert, with its occurrences, acknowledgement and rerank status' })
  get(@Param('id') id: string) {
    return this.drift.getAlert(id);
  }

  @Post('alerts/:id/ack')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Acknowledge an alert (idempotent: the first acknowledgement is kept). Later repeats raise a new alert instead of folding into it.' })
  @ApiBody({ schema: { type: 'object', properties: { note: { type: 'string', maxLength: 1000 } } }, required: false })
  ack(@Param('id') id: string, @Body() body: unknown, @Caller() caller: CallerKey) {
    return this.drift.acknowledge(id, body, caller.name);
  }

  @Get('series/users/:userId')
  @RequireScope('admin')
  @ApiOperation({ summary: "A user's drift metric series: the last value per metric and time bucket" })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'metric', required: false })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..10000, default 1000' })
  userSeries(@Param('userId') userId: string, @Query() query: Record<string, unknown>) {
    return this.drift.userSeries(userId, query);
  }

  @Get('series/population')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Population drift metric series: one point per metric, time bucket and partition shard' })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'metric', required: false })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..10000, default 1000' })
  populationSeries(@Query() query: Record<string, unknown>) {
    return this.drift.populationSeries(query);
  }

  @Get('config')
  @RequireScope('admin')
  @ApiOperation({ summary: 'The detector configuration in force for every metric of a domain (domain=* for the defaults), with its version and source' })
  @ApiQuery({ name: 'domain', required: true })
  configs(@Query('domain') domain: unknown) {
    return this.drift.effectiveConfigs(domain);
  }

  @Get('config/:domain/:metric')
  @RequireScope('admin')
  @ApiOperation({ summary: 'The configuration in force for one metric and domain, and every stored version of it' })
  history(@Param('domain') domain: string, @Param('metric') metric: string) {
    return this.drift.configHistory(domain, metric);
  }

  @Put('config/:domain/:metric')
  @HttpCode(201)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Store a new version of the detector configuration of a metric in a domain (* = default for every domain without its own); drift-watch picks it up within DRIFT_CONFIG_POLL_MS' })
  @ApiBody({ schema: openApiSchemas.driftDetectorConfig })
  change(@Param('domain') domain: string, @Param('metric') metric: string, @Body() body: unknown, @Caller() caller: CallerKey) {
    return this.drift.changeConfig(domain, metric, body, caller.name);
  }
}
