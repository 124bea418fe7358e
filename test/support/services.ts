import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, OffsetsOfRecordTransport, startHybridService } from '@chorus/platform';
import { createGatewayApp } from '../../services/gateway/src/gateway.app';
import { loadGatewayConfig } from '../../services/gateway/src/gateway.config';
import { loadLearnerConfig } from '../../services/learner/src/learner.config';
import { LearnerModule } from '../../services/learner/src/learner.module';
import { FeedbackIngestService } from '../../services/learner/src/consumers/feedback-ingest.service';
import { ServiceProcess } from './service-process';

export async function startGateway(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; url: string }> {
  const app = await createGatewayApp(loadGatewayConfig(env));
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** The learner in this process (for tests that do not kill it). Fatal errors fail the test instead of exiting. */
export async function startLearner(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; ingest: FeedbackIngestService; fatal: Error[] }> {
  const fatal: Error[] = [];
  const app = await NestFactory.create(LearnerModule.register(loadLearnerConfig(env), (error) => fatal.push(error)), {
    logger: new JsonLogger('learner', 'warn'),
  });
  await startHybridService(app, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
  return { app, ingest: app.get(FeedbackIngestService), fatal };
}

export { freePort } from './service-process';

/** The learner as a real OS process, so a test can SIGKILL it. */
export class LearnerProcess extends ServiceProcess {
  constructor(env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []) {
    super('learner', 'LEARNER_HTTP_PORT', env, nodeArgs);
  }
}

/** The gateway as a real OS process (e.g. two of them sharing one Redis). */
export class GatewayProcess extends ServiceProcess {
  constructor(env: NodeJS.ProcessEnv) {
    super('gateway', 'GATEWAY_PORT', env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
