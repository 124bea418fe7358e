/**
 * Another member of the group committed these partitions since this one loaded them (the conditional offset update of
 * an offsets-of-record commit found a different offset): this member's in-memory state of them is stale and must be
 * dropped. The transport reloads them from Postgres while the fence can be a previous owner's stale commit landing
 * after this member loaded the partition (its write in flight, its release); a fence after this member reloaded and
 * committed the partition stops it.
 */
export class PartitionFencedError extends Error {
  constructor(
    /** `SERVICE.PARTITION_FENCED`. */
    readonly code: string,
    /** Who the other member is, for the message ("learner", "drift-watch instance"). */
    readonly owner: string,
    /** The fenced partitions, as the service names them (a number, or `topic[partition]`). */
    readonly partitions: readonly (number | string)[],
  ) {
    super(`partitions ${partitions.join(', ')} were committed by another ${owner} since this one loaded them; reload state from Postgres`);
    this.name = 'PartitionFencedError';
  }
}
