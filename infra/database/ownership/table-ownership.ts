/**
 * Who owns each table of the schema (issue #11 part 5). The owner is the one service whose SQL writes the table;
 * readers are the services allowed to read it. `table-ownership.spec.ts` reads every service's SQL (the string
 * literals of its files and of the library files it imports) and fails when a service writes a table it does not own,
 * reads one it is not a declared reader of, or when a migrated table is not declared here.
 *
 * Two tables are shared by design, and declared so: their rows are per consumer group (each service writes only its
 * own group's rows, every statement filters on `group_id`), and `api_keys` is the platform's key store, reached only
 * through its adapter in libs/platform.
 */
export const SERVICES = ['gateway', 'learner', 'reranker', 'drift-watch', 'notifier'] as const;
export type Service = (typeof SERVICES)[number];

export type TableOwnership =
  | { owner: Service; readers: readonly Service[]; why?: string }
  | {
      /** Rows belong to a consumer group, or the table is the platform's: each writer writes only its own rows. */
      sharedBy: 'consumer-group' | 'platform';
      writers: readonly Service[];
      readers: readonly Service[];
      /** When set, the only files whose SQL may write the table (the adapter that owns the statements). */
      through?: readonly string[];
      why: string;
    };

const ALL = SERVICES;

export const TABLE_OWNERSHIP: Record<string, TableOwnership> = {
  // The catalogue: the gateway's import writes it; the learner, drift-watch (categories, stances) and the reranker
  // (candidates, through the scoring library) read it.
  items: { owner: 'gateway', readers: ['learner', 'drift-watch', 'reranker'] },

  // The learner's models and bookkeeping; served by the gateway, read by the reranker and drift-watch (a user's model).
  user_models: { owner: 'learner', readers: ['gateway', 'reranker', 'drift-watch'] },
  aggregate_shards: { owner: 'learner', readers: ['gateway', 'reranker', 'drift-watch'] },
  // Label reliability's pair counts per partition (issue #15); the gateway's reliability read sums a user's pairs.
  reliability_pair_counts: { owner: 'learner', readers: ['gateway'] },
  user_item_batches: { owner: 'learner', readers: [] },
  user_items: { owner: 'learner', readers: ['gateway', 'reranker', 'drift-watch'], why: 'a view over user_item_batches' },
  // The console's overview (gateway) reads the prequential AUC histograms.
  learner_counters: { owner: 'learner', readers: [] },
  learner_prequential_auc: { owner: 'learner', readers: ['gateway'] },
  prequential_predictions: { owner: 'learner', readers: [] },

  consumer_offsets: {
    sharedBy: 'consumer-group',
    writers: ['learner', 'drift-watch'],
    readers: [],
    why: 'the offsets of record, one row per (group, topic, partition), committed in the transaction of the state they pass',
  },
  dead_letter_outbox: {
    sharedBy: 'consumer-group',
    writers: ['learner', 'drift-watch', 'notifier'],
    readers: [],
    through: ['libs/platform/src/transport/dead-letter.outbox.ts'],
    why: "the transport's transactional outbox of dead letters: each service inserts and relays its own group's rows",
  },
  dead_letter_counts: {
    sharedBy: 'consumer-group',
    writers: ['learner', 'drift-watch', 'notifier'],
    readers: ['gateway'],
    through: ['libs/platform/src/transport/dead-letter.outbox.ts'],
    why: "dead letters per group and code, added to by the outbox in the letters' transaction; the console's overview reads them",
  },
  api_keys: {
    sharedBy: 'platform',
    writers: ALL,
    readers: ['notifier'],
    through: ['libs/platform/src/auth/api-key.repository.ts'],
    why: "every service's guard verifies keys and stamps last_used_at; the gateway's CLI creates and revokes them",
  },

  // The reranker's lists; the gateway serves the newest (SERVING_POLICY=calibrated).
  calibrated_lists: { owner: 'reranker', readers: ['gateway'] },

  // The gateway's operator records: rerank requests, drift segments and detector configuration (written by the admin
  // API, read and polled by drift-watch), acknowledgements of drift-watch's alerts.
  rerank_requests: { owner: 'gateway', readers: [] },
  drift_segments: { owner: 'gateway', readers: ['drift-watch'] },
  drift_segment_members: { owner: 'gateway', readers: ['drift-watch'] },
  drift_detector_configs: { owner: 'gateway', readers: ['drift-watch'] },
  drift_alert_acknowledgements: { owner: 'gateway', readers: ['drift-watch'], why: 'an acknowledged alert is not folded into' },

  // drift-watch's state, alerts and series; the gateway's admin API reads alerts and series.
  drift_user_state: { owner: 'drift-watch', readers: [] },
  drift_population_state: { owner: 'drift-watch', readers: [] },
  drift_category_index: { owner: 'drift-watch', readers: [] },
  drift_alerts: { owner: 'drift-watch', readers: ['gateway'] },
  drift_user_series: { owner: 'drift-watch', readers: ['gateway'] },
  drift_population_series: { owner: 'drift-watch', readers: ['gateway'] },
  drift_segment_series: { owner: 'drift-watch', readers: ['gateway'] },

  // The notifier's subscriptions, stored alerts and deliveries.
  alert_subscriptions: { owner: 'notifier', readers: [] },
  notifier_alerts: { owner: 'notifier', readers: [] },
  alert_deliveries: { owner: 'notifier', readers: [] },
  alert_delivery_attempts: { owner: 'notifier', readers: [] },
  notifier_alert_retention: { owner: 'notifier', readers: [] },
};

export interface OwnershipViolation {
  service: Service;
  table: string;
  kind: 'read' | 'write';
  file: string;
  line: number;
  reason: string;
}

/** Why `service` may not make this access, or undefined if it may. */
export function ownershipViolation(
  ownership: Record<string, TableOwnership>,
  service: Service,
  access: { table: string; kind: 'read' | 'write'; file: string },
): string | undefined {
  const declared = ownership[access.table];
  if (!declared) return `${access.table} has no declared owner (add it to TABLE_OWNERSHIP)`;
  if ('owner' in declared) {
    if (declared.owner === service) return undefined;
    if (access.kind === 'write') return `${access.table} is owned by ${declared.owner}; only its owner writes it`;
    return declared.readers.includes(service) ? undefined : `${service} is not a declared reader of ${access.table} (owner ${declared.owner})`;
  }
  if (access.kind === 'write') {
    if (!declared.writers.includes(service)) return `${service} is not a declared writer of ${access.table}`;
    return !declared.through || declared.through.includes(access.file) ? undefined : `${access.table} is written only through ${declared.through.join(', ')}`;
  }
  return declared.writers.includes(service) || declared.readers.includes(service) ? undefined : `${service} is not a declared reader of ${access.table}`;
}
