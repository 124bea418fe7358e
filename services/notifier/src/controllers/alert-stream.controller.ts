import { Controller, Get, Headers, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@chorus/platform';
import type { Response } from 'express';
import { StreamAlertsUseCase } from '../usecases/stream-alerts.usecase';
import { SseResponse } from './sse.response';
import { StreamCapGuard } from './stream-cap.guard';

@ApiTags('alerts')
@ApiSecurity('api-key')
@Controller('v1/alerts')
export class AlertStreamController {
  constructor(@Inject(StreamAlertsUseCase) private readonly stream: StreamAlertsUseCase) {}

  @Get('stream')
  @RequireScope('subscriber')
  @UseGuards(StreamCapGuard)
  @ApiOperation({
    summary: 'Live drift alerts as Server-Sent Events, resumable without gaps',
    description:
      'Each event: `id: <alert sequence>`, `event: drift-alert`, `data: <chorus.drift-alerts.v1 alert JSON>`. Reconnect with `Last-Event-ID: <last id>` (EventSource does it) to get every matching alert stored since, then live ones. Without it the stream starts with the next alert. A Last-Event-ID below what retention has deleted first gets `event: gap` (no id) with `{ after, deletedThrough, message }`: alerts in between may be gone.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this alert sequence' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'same as Last-Event-ID, for the first connection of an EventSource' })
  @ApiQuery({ name: 'scopes', required: false, description: 'comma-separated: user, segment, population' })
  @ApiQuery({ name: 'metrics', required: false, description: 'comma-separated metric names' })
  @ApiQuery({ name: 'severities', required: false, description: 'comma-separated: warning, critical' })
  @ApiQuery({ name: 'domains', required: false, description: 'comma-separated domains' })
  @ApiQuery({ name: 'subjects', required: false, description: 'a subject (user id, segment, domain); repeat the parameter for several' })
  async open(@Res() response: Response, @Query() query: Record<string, unknown>, @Headers('last-event-id') lastEventId?: string): Promise<void> {
    // Validation errors are thrown before the stream starts, so they still answer as JSON 400s.
    const filters = this.stream.parseFilters(query);
    const cursor = this.stream.parseCursor(lastEventId, query.lastEventId);
    const sse = new SseResponse(response);
    sse.open(2_000);
    let client: Awaited<ReturnType<StreamAlertsUseCase['open']>> | undefined;
    let gone = false;
    // The response's "close": the connection went away (or we ended the stream). Reliable across Node versions,
    // unlike the request's, which may fire once the (empty) request body has been read.
    response.on('close', () => {
      gone = true;
      if (client) this.stream.close(client, 'client disconnected');
    });
    try {
      client = await this.stream.open(filters, cursor, sse);
      if (gone) this.stream.close(client, 'client disconnected');
      // Everything stored up to now has been sent; what follows is live.
      else sse.comment('live');
    } catch {
      sse.close('the stream could not start; reconnect with Last-Event-ID');
    }
  }
}
