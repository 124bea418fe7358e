import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { TopicBatch } from '@chorus/platform';
import { DriftInputConsumer } from './drift-input.consumer';

/** chorus.feedback.v1 and chorus.exposures.v1 batches, from the offsets-of-record transport to the drift input. */
@Controller()
export class DriftInputController {
  constructor(@Inject(DriftInputConsumer) private readonly input: DriftInputConsumer) {}

  @EventPattern('feedback')
  feedback(@Payload() batch: TopicBatch): Promise<void> {
    return this.input.apply(batch);
  }

  @EventPattern('exposures')
  exposures(@Payload() batch: TopicBatch): Promise<void> {
    return this.input.apply(batch);
  }
}
