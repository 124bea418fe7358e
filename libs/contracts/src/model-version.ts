/**
 * The version of the models a user's scores come from: the events the user's deviation has learned and the events
 * the domain's aggregate has learned. Both only grow, and the learner commits them together, so equal versions mean
 * equal scores. Rerank jobs are deduplicated on it.
 */
export function modelVersion(userEventsSeen: number, aggregateEventsSeen: number): string {
  return `${userEventsSeen}.${aggregateEventsSeen}`;
}
