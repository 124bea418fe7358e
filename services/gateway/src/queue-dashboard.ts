import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WEBHOOK_DELIVERY_QUEUE } from '@chorus/contracts';
import { apiKeyMiddleware, ApiKeyVerifier, RerankQueue } from '@chorus/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';

/** Where the Bull Board dashboard of the queues is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over every queue of the stack: `rerank` (the gateway's own) and the notifier's `webhook-deliveries`
 * (opened here on the gateway's Redis connection, under NOTIFIER_QUEUE_PREFIX), behind the admin scope. It is a
 * plain Express router, so Nest's guard does not see it: the same API keys are checked by `apiKeyMiddleware`, which
 * also accepts HTTP Basic (any user name, the key as password) so a browser can open the page. Returns the queues shown.
 */
export function mountQueueDashboard(app: NestExpressApplication): Queue[] {
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  // A shared connection: BullMQ leaves it open on close, and the gateway quits it at shutdown. A Queue keeps no timer.
  const deliveries = new Queue(WEBHOOK_DELIVERY_QUEUE, { connection: app.get(Redis), prefix: config.NOTIFIER_QUEUE_PREFIX });
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  const queues: Queue[] = [app.get(RerankQueue).queue, deliveries];
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
  app.use(QUEUE_DASHBOARD_PATH, apiKeyMiddleware(app.get(ApiKeyVerifier), 'admin'), board.getRouter());
  return queues;
}
