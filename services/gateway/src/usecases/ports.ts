import type { EventClient } from '@chorus/platform';
import type { CalibratedListsRepository } from '../persistence/calibrated-lists.repository';
import type { DriftAlertsRepository } from '../persistence/drift-alerts.repository';
import type { DriftConfigRepository } from '../persistence/drift-config.repository';
import type { DriftSegmentsRepository } from '../persistence/drift-segments.repository';
import type { DriftSeriesRepository } from '../persistence/drift-series.repository';
import type { ItemsRepository } from '../persistence/items.repository';
import type { ReliabilityRepository } from '../persistence/reliability.repository';

// What the use cases and controllers need of the outside, method by method. The Postgres repositories implement these
// (Nest wires them in gateway.module.ts); unit specs pass in-memory ones, the middle tier (*.pg-spec.ts) tests the real.

export type ItemsPort = Pick<ItemsRepository, 'upsert' | 'find'>;
export type ReliabilityPort = Pick<ReliabilityRepository, 'userState' | 'pairTotals' | 'conditionSplit'>;
export type CalibratedListsPort = Pick<CalibratedListsRepository, 'latest'>;
export type DriftAlertsPort = Pick<DriftAlertsRepository, 'list' | 'find' | 'acknowledge'>;
export type DriftSeriesPort = Pick<DriftSeriesRepository, 'user' | 'population'>;
export type DriftConfigPort = Pick<DriftConfigRepository, 'latest' | 'versions' | 'append'>;
export type DriftSegmentsPort = Pick<DriftSegmentsRepository, 'replace' | 'list' | 'find' | 'members' | 'delete' | 'series'>;
/** Writes to Kafka: the producer client's `emit(topic key, messages)` (keys are the use case's; acks = all, the client's). */
export type EventProducer = EventClient;
