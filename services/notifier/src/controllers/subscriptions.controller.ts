import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RateLimitClass, RequireScope, type CallerKey } from '@chorus/platform';
import { ManageSubscriptionsUseCase } from '../usecases/manage-subscriptions.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('subscriptions')
@ApiSecurity('api-key')
@RequireScope('subscriber')
@ApiResponse({ status: 404, description: 'No such subscription for this key (another key\'s subscription is reported the same way)' })
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(@Inject(ManageSubscriptionsUseCase) private readonly subscriptions: ManageSubscriptionsUseCase) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Subscribe a webhook to drift alerts', description: 'The answer carries `secret` — the only time it is ever shown. Deliveries are signed with it (see Chorus-Signature).' })
  @ApiBody({ schema: openApiSchemas.createSubscription })
  @ApiResponse({ status: 400, description: 'Invalid fields, or a refused URL (code WEBHOOK.URL_REFUSED): { code, message, issues: [{ path, message }] }' })
  create(@Caller() caller: CallerKey, @Body() body: unknown) {
    return this.subscriptions.create(caller.id, body);
  }

  @Get()
  @ApiOperation({ summary: "The calling key's subscriptions (never their secrets)" })
  async list(@Caller() caller: CallerKey) {
    return { subscriptions: await this.subscriptions.list(caller.id) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription' })
  get(@Caller() caller: CallerKey, @Param('id') id: string) {
    return this.subscriptions.get(caller.id, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, description, filters (replaced as a whole), active, or secret (not echoed back)' })
  @ApiBody({ schema: openApiSchemas.updateSubscription })
  update(@Caller() caller: CallerKey, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.update(caller.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription and its delivery log; pending deliveries are dropped' })
  async delete(@Caller() caller: CallerKey, @Param('id') id: string): Promise<void> {
    await this.subscriptions.delete(caller.id, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log, newest first: status, attempts with their errors; page with ?before=<next>' })
  @ApiQuery({ name: 'status', required: false, description: 'pending, retrying, succeeded or dead' })
  @ApiQuery({ name: 'limit', required: false, description: '1..200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'the `next` of the previous page' })
  deliveries(@Caller() caller: CallerKey, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.subscriptions.deliveryLog(caller.id, id, query);
  }

  @Post(':id/ping')
  @RateLimitClass('ping')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a signed test delivery (Chorus-Event: ping) through the normal queue; follow it in the delivery log' })
  ping(@Caller() caller: CallerKey, @Param('id') id: string) {
    return this.subscriptions.ping(caller.id, id);
  }
}
