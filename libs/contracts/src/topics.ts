/** Kafka topic base names. A deployment may prefix them (KAFKA_TOPIC_PREFIX) to share one cluster between stacks. */
export const TOPICS = {
  /** Feedback events, keyed by userId: the source of truth. */
  feedback: 'chorus.feedback.v1',
  /** Item catalogue changes, keyed by itemId; compacted. */
  items: 'chorus.items.v1',
  /** What was served to whom, keyed by userId. */
  exposures: 'chorus.exposures.v1',
  /** Alerts raised by drift-watch, keyed by scope key. */
  driftAlerts: 'chorus.drift-alerts.v1',
  /** Feedback that failed validation or processing, with the reason; keyed by userId when known. */
  feedbackDlq: 'chorus.feedback.dlq.v1',
  /**
   * Feedback and exposures drift-watch could not use, with the reason; keyed like the source. Separate from the
   * feedback DLQ so a poison feedback message is dead-lettered once per consumer that refused it, to its own topic.
   */
  driftWatchDlq: 'chorus.drift-watch.dlq.v1',
  /** Drift alerts the notifier could not use (invalid against chorus.drift-alerts.v1), with the reason; keyed like the source. */
  notifierDlq: 'chorus.notifier.dlq.v1',
  /** A calibrated list was stored by the reranker, keyed by userId; at least once (dedupe on listId). */
  rerankCompleted: 'chorus.rerank-completed.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

/** Full topic name under a deployment prefix ("" for none). */
export function topicName(key: TopicKey, prefix = ''): string {
  return `${prefix}${TOPICS[key]}`;
}
