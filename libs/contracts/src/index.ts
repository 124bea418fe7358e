export * from './alert-subscription.v1';
export * from './common-fields';
export * from './dead-letter.v1';
export * from './drift-admin.v1';
export * from './drift-alert.v1';
export * from './drift-detector-config.v1';
export * from './drift-metric';
export * from './drift-policy.defaults';
export * from './drift-segment.v1';
export * from './exposure.v1';
export * from './feedback-event.v1';
export * from './http-answers.v1';
export * from './item.v1';
export * from './model-read.v1';
export * from './rerank-completed.v1';
export * from './rerank-job.v1';
export * from './topic-payloads';
export * from './topics';
export * from './validation-issue';
export * from './webhook-delivery.v1';
export * from './webhook-signature';
export * from './feedback-event.fast-path';
// Named, not `export *`: compiled to CommonJS, a star re-export reads through one getter shared by every name, which
// V8 cannot inline; on a per-message hot path that costs ~50 ns a call (bench/feedback-decode.bench.ts).
export { decodeFeedbackEvent } from './feedback-event.decoder';
export * from './model-version';
export * from './byte-record';
