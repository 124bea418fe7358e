import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { TopicBatch } from '@chorus/platform';
import { FeedbackIngestService } from './feedback-ingest.service';

/** chorus.feedback.v1 batches, from the offsets-of-record transport to the apply worker. */
@Controller()
export class FeedbackController {
  constructor(private readonly ingest: FeedbackIngestService) {}

  @EventPattern('feedback')
  apply(@Payload() batch: TopicBatch): Promise<void> {
    return this.ingest.apply(batch);
  }
}
