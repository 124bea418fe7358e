/** Injection tokens of the notifier's Kafka admin, its BullMQ worker's Redis connection and its LISTEN connections. */
export const KAFKA_ADMIN = Symbol('NOTIFIER_KAFKA_ADMIN');
export const WORKER_REDIS = Symbol('NOTIFIER_WORKER_REDIS');
/** Postgres LISTEN on new alerts, waking the SSE feed (api role). */
export const ALERT_LISTENER = Symbol('NOTIFIER_ALERT_LISTENER');
