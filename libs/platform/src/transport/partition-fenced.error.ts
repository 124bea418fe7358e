/**
 * Another member of the group committed these partitions since this one loaded them (the conditional offset update of
 * an offsets-of-record commit found a different offset): this member's in-memory state is stale and must be dropped.
 * The transport treats it as fatal: restarting is how a member lets go of what it held, and resumes from Postgres.
 */
export class PartitionFencedError extends Error {
  constructor(
    /** `SERVICE.PARTITION_FENCED`. */
    readonly code: string,
    /** Who the other member is, for the message ("learner", "drift-watch instance"). */
    owner: string,
    partitions: readonly (number | string)[],
  ) {
    super(`partitions ${partitions.join(', ')} were committed by another ${owner} since this one loaded them; reload state from Postgres`);
    this.name = 'PartitionFencedError';
  }
}
