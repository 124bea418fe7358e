import { Body, Controller, Get, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { externalId } from '@chorus/contracts';
import { DomainError, RequireScope } from '@chorus/platform';
import { ItemsRepository } from '../persistence/items.repository';
import { parseRequest } from '../usecases/parse-request';
import type { ItemsPort } from '../usecases/ports';
import { UpsertItemsUseCase } from '../usecases/upsert-items.usecase';
import { openApiSchemas } from './openapi-schemas';

@ApiTags('items')
@ApiSecurity('api-key')
@Controller('v1/items')
export class ItemsController {
  constructor(
    @Inject(UpsertItemsUseCase) private readonly upsert: UpsertItemsUseCase,
    @Inject(ItemsRepository) private readonly items: ItemsPort,
  ) {}

  @Post('import')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Bulk import up to 5000 items (all-or-nothing)' })
  @ApiBody({ schema: openApiSchemas.itemImport })
  import(@Body() body: unknown) {
    return this.upsert.importMany(body);
  }

  @Put(':id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Create or replace an item: categories with weights, optional stance in [-1, 1], optional dense features' })
  @ApiBody({ schema: openApiSchemas.itemBody })
  put(@Param('id') id: string, @Body() body: unknown) {
    return this.upsert.putOne(id, body);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'Read an item' })
  async get(@Param('id') rawId: string) {
    const id = parseRequest(externalId, rawId, 'the item id in the path', 'id');
    const item = await this.items.find(id);
    if (!item) throw new DomainError('ITEM.NOT_FOUND', `no item "${id}"; create it with PUT /v1/items/${encodeURIComponent(id)}`);
    return item;
  }
}
