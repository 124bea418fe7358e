/** The common shapes of a valid chorus.feedback.v1 event (one per type and option), for the decoders' tests. */
export const feedbackBase = { eventId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01', userId: 'u-1', occurredAt: '2026-11-27T10:00:00Z', domain: 'movies' };

export const commonFeedbackShapes: readonly Record<string, unknown>[] = [
  { ...feedbackBase, type: 'click', itemId: 'm-1' },
  { ...feedbackBase, type: 'skip', itemId: 'm-1', listId: 'l-1', schemaVersion: 1 },
  { ...feedbackBase, type: 'rating', itemId: 'm-1', value: 4.5, scale: { min: 0.5, max: 5 } },
  { ...feedbackBase, type: 'rating', itemId: 'm-1', value: 3 },
  { ...feedbackBase, type: 'pairwise', chosenId: 'a', rejectedId: 'b', tie: false },
  { ...feedbackBase, type: 'pairwise', chosenId: 'a', rejectedId: 'b' },
];
