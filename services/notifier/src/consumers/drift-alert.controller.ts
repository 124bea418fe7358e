import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { TopicBatch } from '@chorus/platform';
import { NotifierRuntime } from '../notifier.runtime';

/** chorus.drift-alerts.v1 batches, from the offsets-of-record transport to the alert store (consumer role). */
@Controller()
export class DriftAlertController {
  constructor(private readonly runtime: NotifierRuntime) {}

  @EventPattern('driftAlerts')
  apply(@Payload() batch: TopicBatch): Promise<void> {
    return this.runtime.alertIngest!.apply(batch);
  }
}
