import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, RerankQueue } from '@chorus/platform';
import { Registry } from 'prom-client';
import { loadRerankerConfig } from '../../services/reranker/src/reranker.config';
import { RerankerModule } from '../../services/reranker/src/reranker.module';
import { ServiceProcess } from './service-process';

/** The reranker in this process (for tests that do not kill it). */
export async function startReranker(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; queue: RerankQueue; registry: Registry }> {
  const app = await NestFactory.create(RerankerModule.register(loadRerankerConfig(env)), { logger: new JsonLogger('reranker', 'warn') });
  await app.listen(0, '127.0.0.1');
  return { app, queue: app.get(RerankQueue), registry: app.get(Registry) };
}

/** Sum of a counter's samples whose labels include every `labels` pair, from a Prometheus text exposition. */
export function counterValue(exposition: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** The reranker as a real OS process, so a test can SIGKILL it. */
export class RerankerProcess extends ServiceProcess {
  constructor(env: NodeJS.ProcessEnv) {
    super('reranker', 'RERANKER_HTTP_PORT', env);
  }
}
