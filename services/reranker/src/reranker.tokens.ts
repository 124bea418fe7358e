/** Injection tokens of the reranker's Kafka clients and the BullMQ worker's Redis connection. */
export const KAFKA_ADMIN = Symbol('RERANKER_KAFKA_ADMIN');
export const KAFKA_PRODUCER = Symbol('RERANKER_KAFKA_PRODUCER');
export const WORKER_REDIS = Symbol('RERANKER_WORKER_REDIS');
