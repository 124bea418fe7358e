import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RetentionSweeper } from '@chorus/platform';

/** Runs the learner's retention sweep (persistence/retention.policy.ts) while the service is up. */
@Injectable()
export class LearnerRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(RetentionSweeper) private readonly sweeper: RetentionSweeper) {}

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  /** A batch in flight finishes before Postgres closes (at the end of shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }
}
