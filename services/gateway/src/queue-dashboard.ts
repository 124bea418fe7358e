import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { apiKeyMiddleware, ApiKeyVerifier, RerankQueue } from '@chorus/platform';

/** Where the Bull Board dashboard of the rerank queue is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over the `rerank` queue, behind the admin scope. It is a plain Express router, so Nest's guard does not
 * see it: the same API keys are checked by `apiKeyMiddleware`, which also accepts HTTP Basic (any user name, the key
 * as password) so a browser can open the page.
 */
export function mountQueueDashboard(app: NestExpressApplication): void {
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(app.get(RerankQueue).queue)], serverAdapter: board });
  app.use(QUEUE_DASHBOARD_PATH, apiKeyMiddleware(app.get(ApiKeyVerifier), 'admin'), board.getRouter());
}
