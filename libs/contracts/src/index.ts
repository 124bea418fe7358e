export * from './common-fields';
export * from './dead-letter.v1';
export * from './exposure.v1';
export * from './feedback-event.v1';
export * from './item.v1';
export * from './topic-payloads';
export * from './topics';
export * from './validation-issue';
