import type { ReplayReport } from './replay-report';

/**
 * A small ReplayReport written by hand for the replay report's unit tests: two live policies (τ² learned on three
 * partitions, two of them at 2), two offline τ², three λ, two alert kinds. Numbers chosen to be read back in the cells.
 */
export function handMadeReplay(overrides: Partial<ReplayReport> = {}): ReplayReport {
  return {
    kind: 'movielens-replay',
    title: 'Hand-made replay',
    generatedAt: '2026-12-07T08:00:00.000Z',
    data: { source: 'by hand', ratings: 1000, replayed: 800, users: 20, items: 50 },
    options: { limit: 800, tau2: 'learned' },
    run: { accepted: 800, applied: 800, deadLettered: 0, duplicates: 0, driftDeadLettered: 0, ingestSeconds: 2, tauSweepSeconds: 0.1, calibrationSweepSeconds: 0.5, totalSeconds: 10, driftCaughtUp: true, stopped: [] },
    policies: [
      { policy: 'aggregate (live)', source: 'live', tau2: 0, events: 800, tailAuc: 0.61, allAuc: 0.6 },
      { policy: 'personalized, τ² learned (live)', source: 'live', tau2: null, events: 800, tailAuc: 0.8, allAuc: 0.75 },
      { policy: 'τ² = 0, aggregate (offline)', source: 'offline', tau2: 0, events: 800, tailAuc: 0.62, allAuc: 0.59 },
      { policy: 'τ² = 1 (offline)', source: 'offline', tau2: 1, events: 800, tailAuc: 0.78, allAuc: null },
    ],
    learnedTau2: [2, 2, 1.4142135],
    aucOverTime: [
      { policy: 'aggregate (live)', events: 400, auc: 0.58 },
      { policy: 'aggregate (live)', events: 800, auc: 0.61 },
      { policy: 'personalized, τ² learned (live)', events: 400, auc: 0.7 },
      { policy: 'personalized, τ² learned (live)', events: 800, auc: 0.8 },
    ],
    calibrationSweep: {
      settings: { tau2: 1, candidates: 500, n: 10, testFraction: 0.2, minTrain: 10, profile: 'all', relevance: 'sigmoid' },
      evaluated: 15,
      rows: [
        { lambda: 0, kl: 2, precision: 0.05, relevanceKept: 1, minorityListShare: 0.1, minorityProfileShare: 0.2, accuracyListGuard: 0 },
        { lambda: 0.5, kl: 0.5, precision: 0.045, relevanceKept: 0.95, minorityListShare: 0.18, minorityProfileShare: 0.2, accuracyListGuard: 1 },
        { lambda: 0.99, kl: 0.1, precision: 0.03, relevanceKept: 0.9, minorityListShare: 0.2, minorityProfileShare: 0.2, accuracyListGuard: 0 },
      ],
    },
    reranking: { drained: true, lists: 12, users: 9, klBefore: 1.5, klAfter: 0.4, relevanceRetained: 0.97, minority: { lists: 5, profileShare: 0.25, before: 0.1, after: 0.2 } },
    alerts: [
      { scope: 'population', metric: 'mean-consumption-entropy', n: 4 },
      { scope: 'user', metric: 'consumption-entropy', n: 5 },
    ],
    alertExposure: { watchedUserEvents: 10_000, userMinEvents: 30, populationPoints: 500, populationBuckets: 176, bucketSeconds: 3600 },
    ...overrides,
  };
}
