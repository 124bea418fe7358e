export * from './candidate-index';
export * from './model-priors';
export * from './personalized-scorer';
export * from './reward-models.repository';
export * from './user-model-state';
export * from './reliability-weights';
export * from './user-model-codec';
