import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { InMemoryDriftSegments } from '../testing/in-memory-ports';
import { DriftSegmentsUseCase } from './drift-segments.usecase';

function setup() {
  const segments = new InMemoryDriftSegments([{ metric: 'mean-miscalibration', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.3, shard: 0, users: 3 }]);
  return { segments, use: new DriftSegmentsUseCase(segments) };
}

describe('DriftSegmentsUseCase', () => {
  it('replace stores the members sorted and once each, and versions each replacement', async () => {
    const { segments, use } = setup();
    expect(await use.replace('news', 'night-owls', { userIds: ['u-3', 'u-1', 'u-3', 'u-2'] }, 'ops-key')).toMatchObject({ domain: 'news', name: 'night-owls', version: 1, members: 3, createdBy: 'ops-key' });
    expect(segments.segments.get('news/night-owls')!.userIds).toEqual(['u-1', 'u-2', 'u-3']);
    expect(await use.replace('news', 'night-owls', { userIds: ['u-9'] }, 'other-key')).toMatchObject({ version: 2, members: 1, createdBy: 'ops-key', updatedBy: 'other-key' });
  });

  it('replace names a bad path and each bad member (400)', async () => {
    const { segments, use } = setup();
    const path = await errorAnswer(use.replace('News!', 'has space', { userIds: ['u-1'] }, 'ops-key'));
    expect([path.status, path.body.message, path.body.issues!.map((i) => i.path)]).toEqual([400, 'the domain or segment name in the path is not valid; fix the fields listed', ['domain', 'name']]);
    const members = await errorAnswer(use.replace('news', 'owls', { userIds: ['ok', ''] }, 'ops-key'));
    expect([members.status, members.body.issues!.map((i) => i.path)]).toEqual([400, ['userIds[1]']]);
    expect((await errorAnswer(use.replace('news', 'owls', {}, 'ops-key'))).body.issues!.map((i) => i.path)).toEqual(['userIds']);
    expect(segments.segments.size).toBe(0);
  });

  it('lists every segment or those of one domain', async () => {
    const { use } = setup();
    await use.replace('news', 'a', { userIds: ['u-1'] }, 'k');
    await use.replace('movies', 'b', { userIds: ['u-1'] }, 'k');
    expect((await use.list({})).items.map((s) => `${s.domain}/${s.name}`)).toEqual(['news/a', 'movies/b']);
    expect((await use.list({ domain: 'movies' })).items.map((s) => `${s.domain}/${s.name}`)).toEqual(['movies/b']);
    expect((await errorAnswer(use.list({ domain: 'x y' }))).body.issues!.map((i) => i.path)).toEqual(['domain']);
  });

  it('get pages the members in id order: nextAfter continues, the last page says null', async () => {
    const { use } = setup();
    await use.replace('news', 'owls', { userIds: ['u-5', 'u-4', 'u-3', 'u-2', 'u-1'] }, 'k');
    const first = await use.get('news', 'owls', { limit: '2' });
    expect([first.members, first.userIds, first.nextAfter]).toEqual([5, ['u-1', 'u-2'], 'u-2']);
    const second = await use.get('news', 'owls', { limit: '2', after: 'u-2' });
    expect([second.userIds, second.nextAfter]).toEqual([['u-3', 'u-4'], 'u-4']);
    const last = await use.get('news', 'owls', { limit: '2', after: 'u-4' });
    expect([last.userIds, last.nextAfter]).toEqual([['u-5'], null]);
    expect((await use.get('news', 'owls', {})).userIds.length).toBe(5);
    expect((await errorAnswer(use.get('news', 'owls', { limit: '0' }))).body.issues!.map((i) => i.path)).toEqual(['limit']);
  });

  it('a missing segment is a 404 that says how to define or list one (get, delete, series)', async () => {
    const { use } = setup();
    const expected = {
      status: 404,
      body: {
        code: 'DRIFT.SEGMENT_NOT_FOUND',
        message: 'no drift segment "owls" in domain "news"; define it with PUT /v1/admin/drift/segments/news/owls or list them with GET /v1/admin/drift/segments',
      },
    };
    expect(await errorAnswer(use.get('news', 'owls', {}))).toEqual(expected);
    expect(await errorAnswer(use.delete('news', 'owls'))).toEqual(expected);
    expect(await errorAnswer(use.series('news', 'owls', {}))).toEqual(expected);
  });

  it('delete removes the segment', async () => {
    const { segments, use } = setup();
    await use.replace('news', 'owls', { userIds: ['u-1'] }, 'k');
    await use.delete('news', 'owls');
    expect(segments.segments.size).toBe(0);
  });

  it("series reads the segment's points for the parsed query", async () => {
    const { segments, use } = setup();
    await use.replace('news', 'owls', { userIds: ['u-1'] }, 'k');
    expect(await use.series('news', 'owls', { metric: 'mean-miscalibration', limit: '5' })).toEqual({
      domain: 'news',
      segment: 'owls',
      points: [{ metric: 'mean-miscalibration', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.3, shard: 0, users: 3 }],
    });
    expect(segments.seriesQueries).toEqual([{ metric: 'mean-miscalibration', limit: 5 }]);
    expect((await errorAnswer(use.series('news', 'owls', { metric: 'happiness' }))).body.issues!.map((i) => i.path)).toEqual(['metric']);
  });
});
