export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');
export const KAFKA_PRODUCER = Symbol('KAFKA_PRODUCER');
