import {
  driftSegmentKeyV1,
  driftSegmentListQueryV1,
  driftSegmentMembersQueryV1,
  driftSegmentMembersV1,
  driftSegmentSeriesQueryV1,
  type DriftSegmentKeyV1,
} from '@chorus/contracts';
import { DomainError } from '@chorus/platform';
import type { DriftSegmentSeriesPoint, DriftSegmentSummary } from '../persistence/drift-segments.repository';
import { parseRequest } from './parse-request';
import type { DriftSegmentsPort } from './ports';

/**
 * Drift segments (DESIGN §5, scope `segment`): named member lists per domain that drift-watch watches as cohorts —
 * define or replace, list, read (members paged), delete, and read a segment's metric series. drift-watch polls the
 * table and picks a change up within DRIFT_CONFIG_POLL_MS.
 */
export class DriftSegmentsUseCase {
  constructor(private readonly segments: DriftSegmentsPort) {}

  /** Replaces the membership (creating the segment); repeated ids count once. */
  async replace(rawDomain: string, rawName: string, body: unknown, by: string): Promise<DriftSegmentSummary> {
    const { domain, name } = this.key(rawDomain, rawName);
    const { userIds } = parseRequest(driftSegmentMembersV1, body, 'the segment');
    return this.segments.replace(domain, name, [...new Set(userIds)].sort(), by);
  }

  async list(rawQuery: unknown): Promise<{ items: DriftSegmentSummary[] }> {
    const { domain } = parseRequest(driftSegmentListQueryV1, rawQuery, 'the query');
    return { items: await this.segments.list(domain) };
  }

  /** The segment with a page of its members (id order); `nextAfter` continues the list. */
  async get(rawDomain: string, rawName: string, rawQuery: unknown): Promise<DriftSegmentSummary & { userIds: string[]; nextAfter: string | null }> {
    const { domain, name } = this.key(rawDomain, rawName);
    const { limit, after } = parseRequest(driftSegmentMembersQueryV1, rawQuery, 'the query');
    const segment = await this.found(domain, name);
    const userIds = await this.segments.members(domain, name, limit + 1, after);
    const more = userIds.length > limit;
    if (more) userIds.pop();
    return { ...segment, userIds, nextAfter: more ? userIds[userIds.length - 1]! : null };
  }

  async delete(rawDomain: string, rawName: string): Promise<void> {
    const { domain, name } = this.key(rawDomain, rawName);
    if (!(await this.segments.delete(domain, name))) throw notFound(domain, name);
  }

  /** The segment's mean-metric series: one point per metric, time bucket and partition shard (as the population's). */
  async series(rawDomain: string, rawName: string, rawQuery: unknown): Promise<{ domain: string; segment: string; points: DriftSegmentSeriesPoint[] }> {
    const { domain, name } = this.key(rawDomain, rawName);
    const query = parseRequest(driftSegmentSeriesQueryV1, rawQuery, 'the query');
    await this.found(domain, name);
    return { domain, segment: name, points: await this.segments.series(domain, name, query) };
  }

  private key(domain: string, name: string): DriftSegmentKeyV1 {
    return parseRequest(driftSegmentKeyV1, { domain, name }, 'the domain or segment name in the path');
  }

  private async found(domain: string, name: string): Promise<DriftSegmentSummary> {
    const segment = await this.segments.find(domain, name);
    if (!segment) throw notFound(domain, name);
    return segment;
  }
}

function notFound(domain: string, name: string): DomainError {
  return new DomainError('DRIFT.SEGMENT_NOT_FOUND', `no drift segment "${name}" in domain "${domain}"; define it with PUT /v1/admin/drift/segments/${domain}/${name} or list them with GET /v1/admin/drift/segments`);
}
