import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { JsonLogger } from '../logging/json-logger';

/**
 * How long the broker may hold a consumer's fetch open when it has nothing to return (kafkajs defaults to 5 s). A stop
 * waits for the fetch in flight, and a seek takes effect only with the next fetch, so the default made graceful stops
 * and takeovers of idle partitions seconds slower. At 1 s an idle consumer sends one fetch a second; a busy one is
 * answered at once either way.
 */
export const CONSUMER_MAX_WAIT_MS = 1000;

/** One kafkajs client per process, logging through our JSON logger. */
export function createKafka(clientId: string, brokers: string[], logger?: JsonLogger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const level = entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
      const { message, ...fields } = entry.log;
      logger.write(level, String(message), { kafkaNamespace: entry.namespace, ...fields }, 'kafkajs');
    },
  });
}
