import { createdSubscriptionV1, deliveryLogV1, pingAnswerV1, subscriptionListV1, subscriptionV1 } from '@chorus/contracts';
import type { RouteAnswers } from '@chorus/platform';

/**
 * What each notifier route answers on success (the error body is the same everywhere). `route-answers.spec.ts` checks
 * that each use case returns what its schema says, so the OpenAPI document and the generated client follow the code.
 */
export const notifierRouteAnswers: RouteAnswers = {
  'GET /v1/alerts/stream': { status: 200, produces: 'text/event-stream' },
  'POST /v1/subscriptions': { status: 201, body: createdSubscriptionV1 },
  'GET /v1/subscriptions': { status: 200, body: subscriptionListV1 },
  'GET /v1/subscriptions/{id}': { status: 200, body: subscriptionV1 },
  'PATCH /v1/subscriptions/{id}': { status: 200, body: subscriptionV1 },
  'DELETE /v1/subscriptions/{id}': { status: 204 },
  'GET /v1/subscriptions/{id}/deliveries': { status: 200, body: deliveryLogV1 },
  'POST /v1/subscriptions/{id}/ping': { status: 202, body: pingAnswerV1 },
};
