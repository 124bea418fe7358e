import type { ConditionDeviationsJSON, DiagonalGaussianLogisticJSON, PoolingStrengthGridJSON } from '@chorus/reward';
import type { DataSource } from 'typeorm';
import { decodeUserModelState } from './user-model-codec';
import type { StoredBorrowing, StoredPersonas } from './user-model-state';

/** aggregate_shards.item_variance_evidence: the σ²_c evidence of a partition and the σ²_c its shard is under. */
export type StoredItemVarianceEvidence = PoolingStrengthGridJSON & { readonly variance: number };

/** What the learner stores of a user in one domain. */
export interface StoredUserModel {
  /** The first persona's deviation (the user's only one with K = 1). */
  weights: DiagonalGaussianLogisticJSON;
  /** τ² the weights were learned under (absent on rows from before learned pooling). */
  tau2?: number;
  /** The other personas' state, when the learner keeps personas (see userModelState). */
  personas?: StoredPersonas;
  /** Cold-start borrowing's evidence and donor, while the user is cold and the learner borrows (see userModelState). */
  borrowing?: StoredBorrowing;
  /** Per-condition deviations (issue #15), when the user has any (see encodeUserModelState's conditions section). */
  conditions?: ConditionDeviationsJSON;
  eventsSeen: number;
  updatedAt: string;
}

/** A catalogue row as scoring needs it (categories are normalised to sum 1 when written). */
export interface CatalogueRecord {
  itemId: string;
  categories: Record<string, number>;
  stance: number | null;
  features: number[] | null;
}

/**
 * Read access to what the learner commits (aggregate shards, user deviations, interactions) and to the catalogue.
 * Shared by every reader of the models (gateway serving, reranker) so they score with the same inputs.
 */
export class RewardModelsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * A domain's aggregate shards: posterior, τ² evidence, and where σ²_c is learned the shard's item-variance evidence
   * with the σ²_c its intercepts are under (`itemEvidence.variance`).
   */
  async aggregateShards(domain: string): Promise<
    { shard: number; state: DiagonalGaussianLogisticJSON; evidence: PoolingStrengthGridJSON | null; itemEvidence: StoredItemVarianceEvidence | null; eventsSeen: number }[]
  > {
    const rows: {
      shard: number;
      state: DiagonalGaussianLogisticJSON;
      pooling_evidence: PoolingStrengthGridJSON | null;
      item_variance_evidence: StoredItemVarianceEvidence | null;
      events_seen: string;
    }[] = await this.db.query(
      `SELECT shard, state, pooling_evidence, item_variance_evidence, events_seen FROM aggregate_shards WHERE domain = $1 ORDER BY shard`,
      [domain],
    );
    return rows.map((r) => ({ shard: r.shard, state: r.state, evidence: r.pooling_evidence, itemEvidence: r.item_variance_evidence, eventsSeen: Number(r.events_seen) }));
  }

  /** Events the aggregate of a domain has learned (Σ over shards): half of a user's model version. */
  async aggregateEventsSeen(domain: string): Promise<number> {
    const [row]: { n: string }[] = await this.db.query(`SELECT coalesce(sum(events_seen), 0)::bigint AS n FROM aggregate_shards WHERE domain = $1`, [domain]);
    return Number(row!.n);
  }

  async user(userId: string, domain: string): Promise<StoredUserModel | undefined> {
    const rows: StoredRow[] = await this.db.query(
      `SELECT state, events_seen, updated_at FROM user_models WHERE user_id = $1 AND domain = $2`,
      [userId, domain],
    );
    const row = rows[0];
    return row ? storedUserModel(row) : undefined;
  }

  /** The stored models of several users of a domain, in one query (users without a model are absent). */
  async usersOf(domain: string, userIds: readonly string[]): Promise<Map<string, StoredUserModel>> {
    const rows: ({ user_id: string } & StoredRow)[] = await this.db.query(
      `SELECT user_id, state, events_seen, updated_at FROM user_models WHERE domain = $1 AND user_id = ANY($2::text[])`,
      [domain, userIds],
    );
    return new Map(rows.map((row) => [row.user_id, storedUserModel(row)]));
  }

  /** The items each of several users interacted with in a domain, in one query (every user gets a set, maybe empty). */
  async interactedItemsOf(domain: string, userIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const rows: { user_id: string; item_id: string }[] = await this.db.query(
      `SELECT user_id, item_id FROM user_items WHERE domain = $1 AND user_id = ANY($2::text[])`,
      [domain, userIds],
    );
    const items = new Map(userIds.map((userId) => [userId, new Set<string>()]));
    for (const row of rows) items.get(row.user_id)?.add(row.item_id);
    return items;
  }

  /** Events seen per user (0 for a user without a model), in one query. */
  async userEventsSeen(domain: string, userIds: readonly string[]): Promise<Map<string, number>> {
    const rows: { user_id: string; events_seen: number }[] = await this.db.query(
      `SELECT user_id, events_seen FROM user_models WHERE domain = $1 AND user_id = ANY($2::text[])`,
      [domain, userIds],
    );
    const seen = new Map(rows.map((r) => [r.user_id, r.events_seen]));
    return new Map(userIds.map((userId) => [userId, seen.get(userId) ?? 0]));
  }

  /** Users with a model in a domain, in user id order, after `afterUserId` (keyset paging over any population size). */
  async usersPage(domain: string, afterUserId: string, limit: number): Promise<{ userId: string; eventsSeen: number }[]> {
    const rows: { user_id: string; events_seen: number }[] = await this.db.query(
      `SELECT user_id, events_seen FROM user_models WHERE domain = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,
      [domain, afterUserId, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, eventsSeen: r.events_seen }));
  }

  async interactedItems(userId: string, domain: string): Promise<Set<string>> {
    const rows: { item_id: string }[] = await this.db.query(`SELECT item_id FROM user_items WHERE user_id = $1 AND domain = $2`, [userId, domain]);
    return new Set(rows.map((r) => r.item_id));
  }

  /**
   * What changes whenever the catalogue of a domain does (items added, updated — each upsert bumps `version` — or
   * removed): readers poll it and reload the catalogue only when it moved.
   */
  async catalogueStamp(domain: string): Promise<string> {
    const [row]: { n: string; versions: string; updated: Date | null }[] = await this.db.query(
      `SELECT count(*)::bigint AS n, coalesce(sum(version), 0)::bigint AS versions, max(updated_at) AS updated FROM items WHERE domain = $1`,
      [domain],
    );
    return `${row!.n}:${row!.versions}:${row!.updated?.toISOString() ?? ''}`;
  }

  async catalogue(domain: string): Promise<CatalogueRecord[]> {
    const rows: { item_id: string; categories: Record<string, number>; stance: number | null; features: number[] | null }[] = await this.db.query(
      `SELECT item_id, categories, stance, features FROM items WHERE domain = $1`,
      [domain],
    );
    return rows.map((r) => ({ itemId: r.item_id, categories: r.categories, stance: r.stance, features: r.features }));
  }
}

/** A user_models row as read: state is its bytes (see encodeUserModelState). */
interface StoredRow {
  state: Buffer;
  events_seen: number;
  updated_at: Date;
}

function storedUserModel({ state: bytes, events_seen, updated_at }: StoredRow): StoredUserModel {
  const state = decodeUserModelState(bytes);
  return {
    weights: state.weights,
    tau2: state.tau2,
    ...(state.personas ? { personas: state.personas } : {}),
    ...(state.borrowing ? { borrowing: state.borrowing } : {}),
    ...(state.conditions ? { conditions: state.conditions } : {}),
    eventsSeen: events_seen,
    updatedAt: updated_at.toISOString(),
  };
}
