import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  aggregateModelV1,
  consumerLagV1,
  deadLettersByCodeV1,
  prequentialAucSeriesV1,
  userListsV1,
  driftAlertPageV1,
  driftConfigHistoryV1,
  driftConfigVersionV1,
  driftSegmentListV1,
  driftSegmentPageV1,
  driftSegmentSeriesV1,
  driftSegmentSummaryV1,
  effectiveDriftConfigsV1,
  feedbackAcceptedV1,
  itemsImportedV1,
  itemWrittenV1,
  populationSeriesV1,
  recommendationsV1,
  rerankJobStatusV1,
  rerankRequestAnswerV1,
  storedDriftAlertV1,
  storedItemV1,
  userModelV1,
  userReliabilityV1,
  userSeriesV1,
} from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadGatewayConfig } from '../gateway.config';
import { GatewayModule } from '../gateway.module';
import { gatewayOpenApiDocument } from '../gateway.openapi';
import type { StoredItem } from '../persistence/items.repository';
import type { DriftAdminUseCase } from '../usecases/drift-admin.usecase';
import type { DriftSegmentsUseCase } from '../usecases/drift-segments.usecase';
import type { IngestFeedbackUseCase } from '../usecases/ingest-feedback.usecase';
import type { ReadModelsUseCase } from '../usecases/read-models.usecase';
import type { ReadReliabilityUseCase } from '../usecases/read-reliability.usecase';
import type { RequestRerankUseCase } from '../usecases/request-rerank.usecase';
import type { UpsertItemsUseCase } from '../usecases/upsert-items.usecase';
import type { ConsumerLagUseCase } from '../usecases/consumer-lag.usecase';
import type { OperationsOverviewUseCase } from '../usecases/operations-overview.usecase';
import type { UserListsUseCase } from '../usecases/user-lists.usecase';

type Answer<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
/** Compiles only when every value of `Actual` is a valid input of the schema (tsc runs on spec files: `npm run typecheck`). */
const fits = <Actual, Schema extends z.ZodType>(..._proof: [Actual] extends [z.input<Schema>] ? [] : [mismatch: Actual]) => true;

describe('gateway route answers', () => {
  it('each use case returns what the answer schema of its route says (checked by tsc)', () => {
    fits<Answer<IngestFeedbackUseCase['ingest']>, typeof feedbackAcceptedV1>();
    fits<Answer<UpsertItemsUseCase['importMany']>, typeof itemsImportedV1>();
    fits<Answer<UpsertItemsUseCase['putOne']>, typeof itemWrittenV1>();
    fits<StoredItem, typeof storedItemV1>();
    fits<Answer<ReadModelsUseCase['aggregate']>, typeof aggregateModelV1>();
    fits<Answer<ReadModelsUseCase['userModel']>, typeof userModelV1>();
    fits<Answer<ReadModelsUseCase['recommend']>, typeof recommendationsV1>();
    fits<Answer<ReadReliabilityUseCase['user']>, typeof userReliabilityV1>();
    fits<Answer<RequestRerankUseCase['request']>, typeof rerankRequestAnswerV1>();
    fits<Answer<RequestRerankUseCase['status']>, typeof rerankJobStatusV1>();
    fits<Answer<DriftAdminUseCase['listAlerts']>, typeof driftAlertPageV1>();
    fits<Answer<DriftAdminUseCase['getAlert']>, typeof storedDriftAlertV1>();
    fits<Answer<DriftAdminUseCase['acknowledge']>, typeof storedDriftAlertV1>();
    fits<Answer<DriftAdminUseCase['userSeries']>, typeof userSeriesV1>();
    fits<Answer<DriftAdminUseCase['populationSeries']>, typeof populationSeriesV1>();
    fits<Answer<DriftAdminUseCase['effectiveConfigs']>, typeof effectiveDriftConfigsV1>();
    fits<Answer<DriftAdminUseCase['configHistory']>, typeof driftConfigHistoryV1>();
    fits<Answer<DriftAdminUseCase['changeConfig']>, typeof driftConfigVersionV1>();
    fits<Answer<DriftSegmentsUseCase['list']>, typeof driftSegmentListV1>();
    fits<Answer<DriftSegmentsUseCase['get']>, typeof driftSegmentPageV1>();
    fits<Answer<DriftSegmentsUseCase['replace']>, typeof driftSegmentSummaryV1>();
    fits<Answer<DriftSegmentsUseCase['series']>, typeof driftSegmentSeriesV1>();
    fits<Answer<ConsumerLagUseCase['lag']>, typeof consumerLagV1>();
    fits<Answer<OperationsOverviewUseCase['deadLetters']>, typeof deadLettersByCodeV1>();
    fits<Answer<OperationsOverviewUseCase['prequentialAuc']>, typeof prequentialAucSeriesV1>();
    fits<Answer<UserListsUseCase['lists']>, typeof userListsV1>();
  });

  it('the OpenAPI document gives every route a success schema and the error body', async () => {
    const app = await NestFactory.create(GatewayModule.register(loadGatewayConfig({})), { preview: true, logger: false });
    try {
      const document = gatewayOpenApiDocument(app);
      const operations = Object.entries(document.paths).flatMap(([path, item]) =>
        (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => (item[method] ? [{ route: `${method.toUpperCase()} ${path}`, responses: item[method].responses }] : [])),
      );
      expect(operations.length).toBeGreaterThan(20);
      for (const { route, responses } of operations) {
        const errors = Object.entries(responses).filter(([status]) => status === 'default' || Number(status) >= 400);
        expect(errors.map(([, r]) => JSON.stringify(r)), route).toContainEqual(expect.stringContaining('#/components/schemas/ErrorBody'));
        for (const [, response] of errors) expect(JSON.stringify(response), route).toContain('#/components/schemas/ErrorBody');
        const success = Object.entries(responses).filter(([status]) => /^2/.test(status));
        expect(success, route).toHaveLength(1);
        if (success[0]![0] !== '204') expect(JSON.stringify(success[0]![1]), route).toMatch(/#\/components\/schemas\/\w+/);
      }
      expect(Object.keys(document.components?.schemas ?? {})).toEqual(expect.arrayContaining(['ErrorBody', 'StoredDriftAlert', 'Recommendations']));
    } finally {
      await app.close();
    }
  });
});
