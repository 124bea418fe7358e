import { topicName } from '@chorus/contracts';

/** The learner's topic names under its KAFKA_TOPIC_PREFIX. */
export interface LearnerTopics {
  feedback: string;
  feedbackDlq: string;
  items: string;
}

export const LEARNER_TOPICS = Symbol('LEARNER_TOPICS');

export function learnerTopics(prefix: string): LearnerTopics {
  return { feedback: topicName('feedback', prefix), feedbackDlq: topicName('feedbackDlq', prefix), items: topicName('items', prefix) };
}
