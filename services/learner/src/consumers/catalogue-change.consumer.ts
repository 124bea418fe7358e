import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CatalogueChanges } from '@chorus/platform';
import { Kafka } from 'kafkajs';
import { LEARNER_TOPICS, type LearnerTopics } from '../learner.topics';
import { FeedbackIngestService } from './feedback-ingest.service';

/** chorus.items.v1 (CatalogueChanges): an item whose categories change is re-read by the apply worker on its next use. */
@Injectable()
export class CatalogueChangeConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly changes: CatalogueChanges;

  constructor(kafka: Kafka, @Inject(LEARNER_TOPICS) topics: LearnerTopics, ingest: FeedbackIngestService) {
    this.changes = new CatalogueChanges(kafka, topics.items, 'chorus-learner-catalogue', (itemIds) => ingest.evictItems(itemIds));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.changes.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.changes.stop();
  }
}
