import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { TopicBatch } from '@chorus/platform';
import { DriftWatchRuntime } from '../drift-watch.runtime';

/** chorus.feedback.v1 and chorus.exposures.v1 batches, from the offsets-of-record transport to the drift input. */
@Controller()
export class DriftInputController {
  constructor(private readonly runtime: DriftWatchRuntime) {}

  @EventPattern('feedback')
  feedback(@Payload() batch: TopicBatch): Promise<void> {
    return this.runtime.input.apply(batch);
  }

  @EventPattern('exposures')
  exposures(@Payload() batch: TopicBatch): Promise<void> {
    return this.runtime.input.apply(batch);
  }
}
