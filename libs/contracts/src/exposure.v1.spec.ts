import { describe, expect, it } from 'vitest';
import { exposureV1 } from './exposure.v1';

const list = (item: Record<string, unknown>) => ({
  listId: 'l-1',
  userId: 'u-1',
  domain: 'movies',
  policy: 'accuracy',
  servedAt: '2026-12-07T05:00:00.000Z',
  items: [{ itemId: 'm-1', rank: 0, score: 1.5, ...item }],
});

describe('exposureV1: the persona an item serves (issue #16)', () => {
  it('accepts an item with or without its persona', () => {
    expect(exposureV1.parse(list({ persona: { id: 2, label: 'horror · thriller' } })).items[0]!.persona).toEqual({ id: 2, label: 'horror · thriller' });
    expect(exposureV1.parse(list({})).items[0]!.persona).toBeUndefined();
  });

  it.each([
    [{ id: -1, label: 'drama' }, 'id'],
    [{ id: 1.5, label: 'drama' }, 'id'],
    [{ id: 1, label: '' }, 'label'],
    [{ id: 1 }, 'label'],
  ])('refuses persona %j, naming %s', (persona, field) => {
    const result = exposureV1.safeParse(list({ persona }));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.'))).toEqual([`items.0.persona.${field}`]);
  });
});
