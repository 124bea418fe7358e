import { describe, expect, it } from 'vitest';
import {
  DRIFT_SEGMENT_MAX_MEMBERS,
  driftSegmentKeyV1,
  driftSegmentListQueryV1,
  driftSegmentMembersQueryV1,
  driftSegmentMembersV1,
  driftSegmentSeriesQueryV1,
} from './drift-segment.v1';
import { RERANK_MAX_USERS } from './rerank-job.v1';
import { parseWith } from './validation-issue';

const issues = (schema: Parameters<typeof parseWith>[0], input: unknown) => {
  const parsed = parseWith(schema, input);
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('drift segment v1: members body', () => {
  it('accepts a list of user ids, up to the member limit', () => {
    expect(driftSegmentMembersV1.parse({ userIds: ['ann', 'bob'] })).toEqual({ userIds: ['ann', 'bob'] });
    const full = Array.from({ length: DRIFT_SEGMENT_MAX_MEMBERS }, (_, i) => `u${i}`);
    expect(parseWith(driftSegmentMembersV1, { userIds: full }).ok).toBe(true);
  });

  it('keeps the member limit equal to a rerank job’s user limit, so a segment reranks in one job', () => {
    expect(DRIFT_SEGMENT_MAX_MEMBERS).toBe(RERANK_MAX_USERS);
  });

  it('refuses an empty list, too many members, bad ids and unknown fields, naming each', () => {
    expect(issues(driftSegmentMembersV1, { userIds: [] })).toEqual(['userIds: userIds must name at least one user; to stop watching a segment, DELETE it']);
    const over = Array.from({ length: DRIFT_SEGMENT_MAX_MEMBERS + 1 }, (_, i) => `u${i}`);
    expect(issues(driftSegmentMembersV1, { userIds: over })).toEqual([expect.stringMatching(/^userIds: userIds must name at most 10000 users/)]);
    expect(issues(driftSegmentMembersV1, { userIds: ['ok', 'has space', ''] }).sort()).toEqual(['userIds[1]: must not contain whitespace', 'userIds[2]: must not be empty']);
    expect(issues(driftSegmentMembersV1, { userIds: 'ann' })).toEqual(['userIds: userIds must be an array of user ids']);
    expect(issues(driftSegmentMembersV1, { userIds: ['a'], members: ['b'] })).toEqual([expect.stringMatching(/^\(root\): .*members/)]);
  });
});

describe('drift segment v1: path and queries', () => {
  it('validates the domain and the segment name (rerank’s segmentName), naming each', () => {
    expect(driftSegmentKeyV1.parse({ domain: 'news', name: 'cohort-2026-01' })).toEqual({ domain: 'news', name: 'cohort-2026-01' });
    expect(issues(driftSegmentKeyV1, { domain: 'News!', name: 'has space' }).map((i) => i.split(':')[0]).sort()).toEqual(['domain', 'name']);
    expect(issues(driftSegmentKeyV1, { domain: 'news', name: 'x'.repeat(129) })).toEqual(['name: must be at most 128 characters (UTF-16 code units; an emoji counts 2)']);
  });

  it('pages members with limit (1..10000, default 1000) and after', () => {
    expect(driftSegmentMembersQueryV1.parse({})).toEqual({ limit: 1000 });
    expect(driftSegmentMembersQueryV1.parse({ limit: '2', after: 'bob' })).toEqual({ limit: 2, after: 'bob' });
    expect(issues(driftSegmentMembersQueryV1, { limit: '0' })).toEqual(['limit: limit must be ≥ 1']);
    expect(issues(driftSegmentMembersQueryV1, { limit: 'all' })).toEqual(['limit: limit must be an integer from 1 to 10000']);
  });

  it('filters the list by domain and the series by metric and time range', () => {
    expect(driftSegmentListQueryV1.parse({ domain: 'news' })).toEqual({ domain: 'news' });
    expect(issues(driftSegmentListQueryV1, { domain: 'NEWS' }).map((i) => i.split(':')[0])).toEqual(['domain']);
    expect(driftSegmentSeriesQueryV1.parse({ metric: 'mean-miscalibration' })).toEqual({ metric: 'mean-miscalibration', limit: 1000 });
    expect(issues(driftSegmentSeriesQueryV1, { metric: 'vibes' }).map((i) => i.split(':')[0])).toEqual(['metric']);
    expect(issues(driftSegmentSeriesQueryV1, { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toEqual(['to: from must be earlier than to']);
  });
});
