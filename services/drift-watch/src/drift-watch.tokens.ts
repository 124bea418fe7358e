/** Injection tokens of drift-watch's Kafka clients and of what it does on a fatal error. */
export const KAFKA_ADMIN = Symbol('DRIFT_WATCH_KAFKA_ADMIN');
export const ALERT_PRODUCER = Symbol('DRIFT_WATCH_ALERT_PRODUCER');
export const ON_FATAL = Symbol('DRIFT_WATCH_ON_FATAL');
