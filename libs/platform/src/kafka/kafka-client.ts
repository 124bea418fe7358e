import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { JsonLogger } from '../logging/json-logger';

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
