import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@chorus/platform';
import { ConsumerLagUseCase } from '../usecases/consumer-lag.usecase';
import { MAX_AUC_BUCKETS, OperationsOverviewUseCase } from '../usecases/operations-overview.usecase';
import { UserListsUseCase } from '../usecases/user-lists.usecase';

/** What the console (issue #17) reads beside the public routes: operations figures and a user's two lists. */
@ApiTags('operations')
@ApiSecurity('api-key')
@Controller('v1/admin')
export class OperationsController {
  constructor(
    @Inject(ConsumerLagUseCase) private readonly consumerLag: ConsumerLagUseCase,
    @Inject(OperationsOverviewUseCase) private readonly overview: OperationsOverviewUseCase,
    @Inject(UserListsUseCase) private readonly userLists: UserListsUseCase,
  ) {}

  @Get('overview/lag')
  @RequireScope('admin')
  @ApiOperation({ summary: "Lag per partition of the learner's and drift-watch's consumer groups (Kafka end offsets − committed offsets), cached for GATEWAY_LAG_CACHE_MS" })
  lag() {
    return this.consumerLag.lag();
  }

  @Get('overview/dead-letters')
  @RequireScope('admin')
  @ApiOperation({ summary: "Dead letters by service (learner, drift-watch, notifier) and code (counted exactly once, with the offsets that pass them)" })
  deadLetters() {
    return this.overview.deadLetters();
  }

  @Get('overview/prequential-auc')
  @RequireScope('admin')
  @ApiOperation({ summary: `Prequential AUC of the aggregate vs the personalized model per bucket of event time (at most ${MAX_AUC_BUCKETS} buckets; binned, see approximation)` })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'bucketSeconds', required: false, description: 'a multiple of 60 up to 86400, default 60' })
  @ApiQuery({ name: 'from', required: false, description: 'bucket start ≥ from (ISO-8601); default: MAX buckets before to' })
  @ApiQuery({ name: 'to', required: false, description: 'bucket start < to (ISO-8601); default: the end of the newest bucket with scores' })
  prequentialAuc(@Query() query: Record<string, unknown>) {
    return this.overview.prequentialAuc(query);
  }

  @Get('users/:id/lists')
  @RequireScope('admin')
  @ApiOperation({ summary: "A user's accuracy list (as served now) beside their newest calibrated list with C_KL before and after and the minority share; logs no exposure" })
  @ApiQuery({ name: 'domain', required: true })
  @ApiQuery({ name: 'n', required: false, description: "1..200: length of the accuracy list; default the calibrated list's, else 10" })
  lists(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.userLists.lists(id, query);
  }
}
