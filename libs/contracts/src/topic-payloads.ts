import type { DeadLetterV1 } from './dead-letter.v1';
import type { DriftAlertV1 } from './drift-alert.v1';
import type { ExposureV1 } from './exposure.v1';
import type { FeedbackEventV1 } from './feedback-event.v1';
import type { ItemV1 } from './item.v1';
import type { RerankCompletedV1 } from './rerank-completed.v1';
import type { TOPICS } from './topics';

/** The payload carried by each topic: producers and consumers are typed by the topic they name. */
export interface TopicPayloads {
  [TOPICS.feedback]: FeedbackEventV1;
  [TOPICS.items]: ItemV1;
  [TOPICS.exposures]: ExposureV1;
  [TOPICS.feedbackDlq]: DeadLetterV1;
  [TOPICS.driftAlerts]: DriftAlertV1;
  [TOPICS.driftWatchDlq]: DeadLetterV1;
  [TOPICS.notifierDlq]: DeadLetterV1;
  [TOPICS.rerankCompleted]: RerankCompletedV1;
}
