import {
  aggregateModelV1,
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
import type { RouteAnswers } from '@chorus/platform';

/**
 * What each gateway route answers on success (the error body is the same everywhere). `route-answers.spec.ts` checks
 * that each use case returns what its schema says, so the OpenAPI document and the generated client follow the code.
 */
export const gatewayRouteAnswers: RouteAnswers = {
  'POST /v1/feedback': { status: 202, body: feedbackAcceptedV1 },
  'POST /v1/items/import': { status: 201, body: itemsImportedV1 },
  'PUT /v1/items/{id}': { status: 200, body: itemWrittenV1 },
  'GET /v1/items/{id}': { status: 200, body: storedItemV1 },
  'GET /v1/models/aggregate': { status: 200, body: aggregateModelV1 },
  'GET /v1/users/{id}/model': { status: 200, body: userModelV1 },
  'GET /v1/users/{id}/reliability': { status: 200, body: userReliabilityV1 },
  'GET /v1/users/{id}/recommendations': { status: 200, body: recommendationsV1 },
  'POST /v1/admin/rerank': { status: 202, body: rerankRequestAnswerV1 },
  'GET /v1/admin/rerank/jobs/{id}': { status: 200, body: rerankJobStatusV1 },
  'GET /v1/admin/drift/alerts': { status: 200, body: driftAlertPageV1 },
  'GET /v1/admin/drift/alerts/{id}': { status: 200, body: storedDriftAlertV1 },
  'POST /v1/admin/drift/alerts/{id}/ack': { status: 200, body: storedDriftAlertV1 },
  'GET /v1/admin/drift/series/users/{userId}': { status: 200, body: userSeriesV1 },
  'GET /v1/admin/drift/series/population': { status: 200, body: populationSeriesV1 },
  'GET /v1/admin/drift/config': { status: 200, body: effectiveDriftConfigsV1 },
  'GET /v1/admin/drift/config/{domain}/{metric}': { status: 200, body: driftConfigHistoryV1 },
  'PUT /v1/admin/drift/config/{domain}/{metric}': { status: 201, body: driftConfigVersionV1 },
  'GET /v1/admin/drift/segments': { status: 200, body: driftSegmentListV1 },
  'GET /v1/admin/drift/segments/{domain}/{name}': { status: 200, body: driftSegmentPageV1 },
  'PUT /v1/admin/drift/segments/{domain}/{name}': { status: 200, body: driftSegmentSummaryV1 },
  'DELETE /v1/admin/drift/segments/{domain}/{name}': { status: 204 },
  'GET /v1/admin/drift/segments/{domain}/{name}/series': { status: 200, body: driftSegmentSeriesV1 },
};
