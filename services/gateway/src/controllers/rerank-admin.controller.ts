import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@chorus/platform';
import { RequestRerankUseCase } from '../usecases/request-rerank.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('admin')
@ApiSecurity('api-key')
@Controller('v1/admin/rerank')
export class RerankAdminController {
  constructor(@Inject(RequestRerankUseCase) private readonly rerank: RequestRerankUseCase) {}

  @Post()
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Enqueue calibrated reranking for users, a segment, or everyone in a domain',
    description:
      'Body: exactly one of "userIds", "segment": { name, userIds } or "all": true, plus "domain" and optional "lambda", "n". ' +
      'Users get one job each, with an id deterministic in user, domain and model version (a repeat is the same job); a segment or "all" gets one fan-out job. ' +
      'The request is recorded in Postgres before it is enqueued: jobs Redis loses (a restart) are enqueued again with the same ids, and a request made while Redis is down is answered "pending" and enqueued once it is back. ' +
      'The queue dashboard is at /admin/queues.',
  })
  @ApiBody({ schema: openApiSchemas.rerankRequest })
  @ApiResponse({ status: 202, description: 'Recorded, and enqueued or pending: { requestId, state, jobIds, jobs: [{ jobId, name, userId?, modelVersion? }] }' })
  @ApiResponse({ status: 400, description: 'Invalid: { code, message, issues: [{ path, message }] } naming each offending field' })
  @ApiResponse({ status: 503, description: 'RERANK.NOT_RECORDED: Postgres could not record the request; nothing was recorded or enqueued, retry it' })
  request(@Body() body: unknown) {
    return this.rerank.request(body);
  }

  @Get('jobs/:id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'State of a rerank job: state, attempts, failedReason, result' })
  @ApiResponse({ status: 404, description: 'No such job (unknown, or removed after its retention period)' })
  status(@Param('id') id: string) {
    return this.rerank.status(id);
  }
}
