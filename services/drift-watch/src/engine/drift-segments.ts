/** One segment definition as drift-watch loads it (drift_segments + drift_segment_members). */
export interface SegmentDefinition {
  domain: string;
  name: string;
  /** Moves whenever the membership is replaced: watches built for another change id start over. */
  changeId: number;
  userIds: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The segments in force: per domain, which segments each user belongs to. Loaded whole (segments are bounded member
 * lists, DRIFT_SEGMENT_MAX_MEMBERS each) and replaced when the table's stamp moves — drift-watch polls it on the
 * detector-configuration timer (DRIFT_CONFIG_POLL_MS), so a new segment is watched within one poll.
 */
export class DriftSegments {
  private byUser = new Map<string, Map<string, string[]>>();
  private changeIds = new Map<string, Map<string, number>>();
  /** The stamp of the definitions loaded (null: none loaded yet). */
  stamp: string | null = null;

  install(definitions: readonly SegmentDefinition[], stamp: string): void {
    const byUser = new Map<string, Map<string, string[]>>();
    const changeIds = new Map<string, Map<string, number>>();
    // Name order, so a user's segments (and with them bucket contents and alerts) come out in the same order each run.
    for (const segment of [...definitions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!changeIds.has(segment.domain)) changeIds.set(segment.domain, new Map());
      changeIds.get(segment.domain)!.set(segment.name, segment.changeId);
      let users = byUser.get(segment.domain);
      if (users === undefined) byUser.set(segment.domain, (users = new Map()));
      for (const userId of segment.userIds) {
        const names = users.get(userId);
        if (names === undefined) users.set(userId, [segment.name]);
        else names.push(segment.name);
      }
    }
    this.byUser = byUser;
    this.changeIds = changeIds;
    this.stamp = stamp;
  }

  /** The segments of a domain the user belongs to. */
  of(domain: string, userId: string): readonly string[] {
    return this.byUser.get(domain)?.get(userId) ?? NONE;
  }

  /** The change id of a segment in force, or undefined if it is not (any more) defined. */
  changeId(domain: string, name: string): number | undefined {
    return this.changeIds.get(domain)?.get(name);
  }
}
