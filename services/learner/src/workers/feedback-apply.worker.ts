import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { topicName } from '@chorus/contracts';
import { connectDatabase } from '@chorus/platform';
import { ModelPriors } from '@chorus/scoring';
import type { LearnerConfig } from '../learner.config';
import { CatalogueRepository } from '../persistence/catalogue.repository';
import { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import { WeighByReliability } from '../usecases/weigh-by-reliability';
import { ItemCatalogue } from '../usecases/item-catalogue';
import { LearnerState } from '../usecases/learner-state';
import { ApplyLoop, fatalMessage, type ApplyLoopParts } from './apply-loop';
import type { FromWorker, ToWorker } from './apply-worker.protocol';

/**
 * The learner's apply thread: parsing, validation, model updates and Postgres commits run here, so the Kafka thread
 * only fetches and decodes. The two overlap on two cores instead of taking turns on one. This file opens the thread's
 * parts and hands the Kafka thread's messages to the loop (apply-loop.ts), in named steps.
 *
 * No single message stops it. The batches applied since the last commit that succeeded are kept; when applying or
 * committing fails, the in-memory state (now ahead of the store) is dropped and those batches are applied again from
 * the state in Postgres, committing as they go: a failure a message caused (see classifyFailure) is narrowed down by
 * bisection (isolatePoison) to that message, which is committed as a dead letter, while every other message is
 * applied once (each group's commit is one fenced transaction, and a re-applied group skips offsets already
 * committed); an infrastructure failure is retried with capped exponential backoff instead of exiting.
 */
const config = workerData as LearnerConfig;
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

/** The apply thread's parts, over its own Postgres pool. */
async function openParts(): Promise<ApplyLoopParts> {
  const db = await connectDatabase(config.DATABASE_URL, { poolSize: 4, applicationName: 'chorus-learner-apply' });
  const topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
  const state = new LearnerState(new ModelPriors(config), config.LEARNER_MAX_RESIDENT_USERS, config.LEARNER_INTERACTION_ROWS_PER_USER);
  const repository = new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topic);
  const catalogue = new ItemCatalogue(new CatalogueRepository(db));
  const usecase = new ApplyFeedbackUseCase(state, catalogue, repository, {
    topic,
    consumer: config.LEARNER_GROUP_ID,
    dedupeWindow: config.LEARNER_DEDUPE_WINDOW,
    logPredictions: config.LEARNER_PREQUENTIAL_LOG,
  }, new WeighByReliability(config));
  return { db, state, repository, catalogue, usecase };
}

async function main(): Promise<void> {
  const loop = new ApplyLoop(await openParts(), config, send);
  port.on('message', (message: ToWorker) => loop.receive(message));
  send({ type: 'ready' });
}

// Before the loop exists, a failure (Postgres unreachable at start) is reported the same way.
main().catch((error: unknown) => send(fatalMessage(error)));
