import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { TopicBatch } from '@chorus/platform';
import { DriftAlertIngest } from './drift-alert.ingest';

/** chorus.drift-alerts.v1 batches, from the offsets-of-record transport to the alert store (consumer role). */
@Controller()
export class DriftAlertController {
  constructor(@Inject(DriftAlertIngest) private readonly ingest: DriftAlertIngest) {}

  @EventPattern('driftAlerts')
  apply(@Payload() batch: TopicBatch): Promise<void> {
    return this.ingest.apply(batch);
  }
}
