import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope, type CallerKey } from '@chorus/platform';
import { DriftSegmentsUseCase } from '../usecases/drift-segments.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('drift')
@ApiSecurity('api-key')
@Controller('v1/admin/drift/segments')
export class DriftSegmentsController {
  constructor(@Inject(DriftSegmentsUseCase) private readonly segments: DriftSegmentsUseCase) {}

  @Get()
  @RequireScope('admin')
  @ApiOperation({ summary: 'List drift segments (optionally of one domain) with their member counts and versions' })
  @ApiQuery({ name: 'domain', required: false })
  list(@Query() query: Record<string, unknown>) {
    return this.segments.list(query);
  }

  @Get(':domain/:name')
  @RequireScope('admin')
  @ApiOperation({ summary: 'One drift segment with a page of its members in id order; pass nextAfter as `after` for the next page' })
  @ApiQuery({ name: 'limit', required: false, description: '1..10000, default 1000' })
  @ApiQuery({ name: 'after', required: false, description: 'nextAfter of the previous page' })
  get(@Param('domain') domain: string, @Param('name') name: string, @Query() query: Record<string, unknown>) {
    return this.segments.get(domain, name, query);
  }

  @Put(':domain/:name')
  @RequireScope('admin')
  @ApiOperation({
    summary:
      'Define a drift segment or replace its members (at most 10000; repeats count once). drift-watch watches the mean of each per-user signal over its members within DRIFT_CONFIG_POLL_MS; a replacement restarts its detectors',
  })
  @ApiBody({ schema: openApiSchemas.driftSegmentMembers })
  replace(@Param('domain') domain: string, @Param('name') name: string, @Body() body: unknown, @Caller() caller: CallerKey) {
    return this.segments.replace(domain, name, body, caller.name);
  }

  @Delete(':domain/:name')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Delete a drift segment: drift-watch stops watching it (its alerts and series stay)' })
  async delete(@Param('domain') domain: string, @Param('name') name: string) {
    await this.segments.delete(domain, name);
  }

  @Get(':domain/:name/series')
  @RequireScope('admin')
  @ApiOperation({ summary: "A segment's mean-metric series: one point per metric, time bucket and partition shard" })
  @ApiQuery({ name: 'metric', required: false })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..10000, default 1000' })
  series(@Param('domain') domain: string, @Param('name') name: string, @Query() query: Record<string, unknown>) {
    return this.segments.series(domain, name, query);
  }
}
