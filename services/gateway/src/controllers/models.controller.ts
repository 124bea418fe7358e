import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@chorus/platform';
import { ReadModelsUseCase } from '../usecases/read-models.usecase';
import { ReadReliabilityUseCase } from '../usecases/read-reliability.usecase';

@ApiTags('models')
@ApiSecurity('api-key')
@Controller('v1')
export class ModelsController {
  constructor(
    @Inject(ReadModelsUseCase) private readonly read: ReadModelsUseCase,
    @Inject(ReadReliabilityUseCase) private readonly reliability: ReadReliabilityUseCase,
  ) {}

  @Get('models/aggregate')
  @RequireScope('read')
  @ApiOperation({ summary: 'The population model of a domain: posterior mean and sd per feature' })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'includeItems', required: false, enum: ['true', 'false'], description: 'also list per-item intercepts' })
  aggregate(@Query() query: Record<string, unknown>) {
    return this.read.aggregate(query);
  }

  @Get('users/:id/model')
  @RequireScope('read')
  @ApiOperation({ summary: "A user's personalized model: deviation from the aggregate, uncertainty, events seen, divergence" })
  @ApiQuery({ name: 'domain', required: true })
  user(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.read.userModel(id, query);
  }

  @Get('users/:id/reliability')
  @RequireScope('read')
  @ApiOperation({
    summary: "A user's label reliability: agreement with the other users ± sd, class counts (genuine, non-attitude, constructed), condition effects (position bias, framing), intransitive cycles",
  })
  @ApiQuery({ name: 'domain', required: true })
  userReliability(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.reliability.user(id, query);
  }

  @Get('users/:id/recommendations')
  @RequireScope('read')
  @ApiOperation({ summary: 'Top n unseen catalogue items by personalized reward; the list is logged to chorus.exposures.v1' })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'n', required: false, description: '1..200, default 10' })
  @ApiQuery({ name: 'framingId', required: false, description: "the framing the list is shown under (feedback's context.framingId): ranked with the user's deviation for it (issue #15); absent, the condition-free ranking" })
  recommendations(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.read.recommend(id, query);
  }
}
