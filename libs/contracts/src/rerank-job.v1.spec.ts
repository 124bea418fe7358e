import { describe, expect, it } from 'vitest';
import { rerankCompletedV1 } from './rerank-completed.v1';
import { RERANK_MAX_BATCH_USERS, rerankBatchJobV1, rerankJobV1, rerankRequestV1 } from './rerank-job.v1';
import { parseWith } from './validation-issue';

const paths = (result: ReturnType<typeof parseWith>) => (result.ok ? [] : result.issues.map((issue) => issue.path).sort());

describe('rerank batch job v1', () => {
  const users = [
    { userId: 'u1', modelVersion: '10.300' },
    { userId: 'u2', modelVersion: '0.300' },
  ];

  it('accepts users with their model versions and the fan-out settings', () => {
    expect(parseWith(rerankBatchJobV1, { domain: 'movies', users, reason: { kind: 'alert', alertId: 'a-1' }, segment: 'cohort', lambda: 0.9, n: 10 }).ok).toBe(true);
  });

  it('names what is wrong: no users, too many, a repeated user, a malformed version, unknown fields', () => {
    expect(paths(parseWith(rerankBatchJobV1, { domain: 'movies', users: [], reason: { kind: 'manual' } }))).toEqual(['users']);
    const many = Array.from({ length: RERANK_MAX_BATCH_USERS + 1 }, (_, i) => ({ userId: `u${i}`, modelVersion: '1.1' }));
    expect(paths(parseWith(rerankBatchJobV1, { domain: 'movies', users: many, reason: { kind: 'manual' } }))).toEqual(['users']);
    expect(paths(parseWith(rerankBatchJobV1, { domain: 'movies', users: [...users, users[0]], reason: { kind: 'manual' } }))).toEqual(['users[2].userId']);
    expect(paths(parseWith(rerankBatchJobV1, { domain: 'movies', users: [{ userId: 'u1', modelVersion: 'latest' }], reason: { kind: 'manual' } }))).toEqual(['users[0].modelVersion']);
    expect(paths(parseWith(rerankBatchJobV1, { domain: 'movies', users, reason: { kind: 'manual' }, scope: 'user' }))).toEqual(['(root)']);
  });
});

describe('rerank job v1', () => {
  it('accepts one user, a segment with members, and a population job', () => {
    expect(parseWith(rerankJobV1, { scope: 'user', domain: 'movies', userIds: ['u1'], reason: { kind: 'manual' } }).ok).toBe(true);
    expect(
      parseWith(rerankJobV1, { scope: 'segment', domain: 'movies', userIds: ['u1', 'u2'], segment: 'heavy-drama', reason: { kind: 'alert', alertId: 'a-7' }, lambda: 0.9, n: 20 }).ok,
    ).toBe(true);
    expect(parseWith(rerankJobV1, { scope: 'population', domain: 'news', reason: { kind: 'schedule' } }).ok).toBe(true);
  });

  it('names every offending field (cross-field rules are checked once the fields themselves are valid)', () => {
    const result = parseWith(rerankJobV1, { scope: 'user', domain: 'Movies', userIds: ['u'], reason: { kind: 'alert' }, lambda: 2, n: 0.5 });
    expect(paths(result)).toEqual(['domain', 'lambda', 'n', 'reason.alertId']);
    expect(paths(parseWith(rerankJobV1, { scope: 'user', domain: 'movies', reason: { kind: 'manual' } }))).toEqual(['userIds']);
  });

  it('refuses user ids or a segment on a population job, and unknown fields', () => {
    expect(paths(parseWith(rerankJobV1, { scope: 'population', domain: 'movies', userIds: ['u'], reason: { kind: 'manual' } }))).toEqual(['userIds']);
    expect(paths(parseWith(rerankJobV1, { scope: 'population', domain: 'movies', segment: 's', reason: { kind: 'manual' } }))).toEqual(['segment']);
    expect(paths(parseWith(rerankJobV1, { scope: 'user', domain: 'movies', userIds: ['u'], reason: { kind: 'manual' }, extra: 1 }))).toEqual(['(root)']);
    expect(paths(parseWith(rerankJobV1, { scope: 'everyone', domain: 'movies', reason: { kind: 'whim' } }))).toEqual(['reason.kind', 'scope']);
  });
});

describe('rerank request v1 (POST /v1/admin/rerank)', () => {
  it('takes exactly one of userIds, segment, all', () => {
    expect(parseWith(rerankRequestV1, { domain: 'movies', userIds: ['a'] }).ok).toBe(true);
    expect(parseWith(rerankRequestV1, { domain: 'movies', segment: { name: 's', userIds: ['a'] } }).ok).toBe(true);
    expect(parseWith(rerankRequestV1, { domain: 'movies', all: true, lambda: 0 }).ok).toBe(true);
    expect(paths(parseWith(rerankRequestV1, { domain: 'movies' }))).toEqual(['userIds']);
    expect(paths(parseWith(rerankRequestV1, { domain: 'movies', userIds: ['a'], all: true }))).toEqual(['all', 'userIds']);
    expect(paths(parseWith(rerankRequestV1, { domain: 'movies', all: false }))).toEqual(['all']);
    expect(paths(parseWith(rerankRequestV1, { userIds: [''], n: 201 }))).toEqual(['domain', 'n', 'userIds[0]']);
  });
});

describe('rerank completed v1', () => {
  it('accepts a completion event and refuses an empty list', () => {
    const event = {
      listId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01',
      jobId: 'user.movies.alice.v3.10',
      userId: 'alice',
      domain: 'movies',
      modelVersion: '3.10',
      reason: { kind: 'manual' },
      lambda: 0.5,
      n: 2,
      items: ['i1', 'i2'],
      klBefore: 1.1,
      klAfter: 0.01,
      relevanceRetained: 0.97,
      minorityShare: { categories: [], profileShare: 0, listShare: 0, listShareBefore: 0 },
      listSource: 'greedy',
      completedAt: '2026-11-27T10:00:00Z',
    };
    expect(parseWith(rerankCompletedV1, event).ok).toBe(true);
    expect(paths(parseWith(rerankCompletedV1, { ...event, items: [] }))).toEqual(['items']);
  });
});
