import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { FEEDBACK_BATCH_LIMIT } from '@chorus/contracts';
import { RequireScope } from '@chorus/platform';
import { IngestFeedbackUseCase } from '../usecases/ingest-feedback.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('feedback')
@ApiSecurity('api-key')
@Controller('v1/feedback')
export class FeedbackController {
  constructor(@Inject(IngestFeedbackUseCase) private readonly ingest: IngestFeedbackUseCase) {}

  @Post()
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({ summary: `Ingest one feedback event or a batch of up to ${FEEDBACK_BATCH_LIMIT}`, description: 'Validated, then produced to chorus.feedback.v1 keyed by userId. All-or-nothing per request.' })
  @ApiBody({ schema: openApiSchemas.feedbackBody })
  @ApiResponse({ status: 202, description: 'Accepted: { accepted, eventIds }' })
  @ApiResponse({ status: 400, description: 'Invalid: { code, message, issues: [{ path, message }] } naming each offending field' })
  @ApiResponse({ status: 413, description: `More than ${FEEDBACK_BATCH_LIMIT} events, or a body over the size limit` })
  post(@Body() body: unknown) {
    return this.ingest.ingest(body);
  }
}
