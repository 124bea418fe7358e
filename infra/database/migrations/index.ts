import { InitialSchema1764230400000 } from './1764230400000-initial-schema';
import { CalibratedLists1764320000000 } from './1764320000000-calibrated-lists';
import { AlertSubscriptions1764406800000 } from './1764406800000-alert-subscriptions';
import { DriftWatch1764493200000 } from './1764493200000-drift-watch';
import { UserDedupeWindow1764579600000 } from './1764579600000-user-dedupe-window';
import { Retention1764666000000 } from './1764666000000-retention';
import { DriftSegments1764752400000 } from './1764752400000-drift-segments';
import { NotifierAlertRetention1764838800000 } from './1764838800000-notifier-alert-retention';
import { WebhookSecretRotation1764925200000 } from './1764925200000-webhook-secret-rotation';
import { RerankRequests1765011600000 } from './1765011600000-rerank-requests';
import { DriftAlertAcknowledgements1765098000000 } from './1765098000000-drift-alert-acknowledgements';
import { PoolingEvidence1765184400000 } from './1765184400000-pooling-evidence';
import { ReliabilityPairCounts1765270800000 } from './1765270800000-reliability-pair-counts';
import { PrequentialAuc1765357200000 } from './1765357200000-prequential-auc';
import { ShardBorrowingAndItemVariance1765443600000 } from './1765443600000-shard-borrowing-and-item-variance';
import { DriftUserStateBinary1765530000000 } from './1765530000000-drift-user-state-binary';
import { DeadLetterCounts1765616400000 } from './1765616400000-dead-letter-counts';
import { UserModelStateBinary1765702800000 } from './1765702800000-user-model-state-binary';
import { PrequentialRetention1765789200000 } from './1765789200000-prequential-retention';

/** Every migration, in order. Listed explicitly so compiled and test (TypeScript) runs load the same set. */
export const migrations = [
  InitialSchema1764230400000,
  CalibratedLists1764320000000,
  AlertSubscriptions1764406800000,
  DriftWatch1764493200000,
  UserDedupeWindow1764579600000,
  Retention1764666000000,
  DriftSegments1764752400000,
  NotifierAlertRetention1764838800000,
  WebhookSecretRotation1764925200000,
  RerankRequests1765011600000,
  DriftAlertAcknowledgements1765098000000,
  PoolingEvidence1765184400000,
  ReliabilityPairCounts1765270800000,
  PrequentialAuc1765357200000,
  ShardBorrowingAndItemVariance1765443600000,
  DriftUserStateBinary1765530000000,
  DeadLetterCounts1765616400000,
  UserModelStateBinary1765702800000,
  PrequentialRetention1765789200000,
];
