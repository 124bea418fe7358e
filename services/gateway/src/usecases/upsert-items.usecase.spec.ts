import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { InMemoryItems, RecordingProducer } from '../testing/in-memory-ports';
import { UpsertItemsUseCase } from './upsert-items.usecase';

function setup() {
  const items = new InMemoryItems();
  const producer = new RecordingProducer();
  const changed: string[][] = [];
  const upsert = new UpsertItemsUseCase(items, producer, (domains) => changed.push([...domains].sort()));
  return { items, producer, changed, upsert };
}

describe('UpsertItemsUseCase', () => {
  it('PUT stores the item with normalised categories, publishes it keyed by id, and tells serving the domain changed', async () => {
    const { items, producer, changed, upsert } = setup();
    expect(await upsert.putOne('film-1', { domain: 'movies', categories: { drama: 3, comedy: 1 }, stance: -0.5, title: 'One' })).toEqual({ itemId: 'film-1', version: 1 });
    expect(await upsert.putOne('film-1', { domain: 'movies', categories: { drama: 1 } })).toEqual({ itemId: 'film-1', version: 2 });
    expect(items.upserts[0]).toEqual([{ itemId: 'film-1', domain: 'movies', categories: { drama: 0.75, comedy: 0.25 }, stance: -0.5, title: 'One' }]);
    expect(producer.sent.map((s) => [s.topic, s.messages.map((m) => m.key)])).toEqual([
      ['items', ['film-1']],
      ['items', ['film-1']],
    ]);
    expect(producer.values()[0]).toEqual({ itemId: 'film-1', domain: 'movies', categories: { drama: 0.75, comedy: 0.25 }, stance: -0.5, title: 'One' });
    expect(changed).toEqual([['movies'], ['movies']]);
  });

  it('PUT names a bad path id and each bad body field (400), and writes nothing', async () => {
    const { items, producer, upsert } = setup();
    const badId = await errorAnswer(upsert.putOne('has space', { domain: 'movies', categories: { drama: 1 } }));
    expect([badId.status, badId.body.message, badId.body.issues!.map((i) => i.path)]).toEqual([400, 'the item id in the path is not valid', ['itemId']]);
    const badBody = await errorAnswer(upsert.putOne('film-1', { domain: 'movies', categories: {}, stance: 3, colour: 'red' }));
    expect(badBody.status).toBe(400);
    expect(badBody.body.issues!.map((i) => i.path).sort()).toEqual(['(root)', 'categories', 'categories', 'stance']);
    expect([items.upserts, producer.sent]).toEqual([[], []]);
  });

  it('an import writes every item once (a later duplicate id wins) and reports each version', async () => {
    const { items, changed, upsert } = setup();
    const answer = await upsert.importMany({
      items: [
        { itemId: 'a', domain: 'movies', categories: { drama: 1 } },
        { itemId: 'b', domain: 'news', categories: { politics: 1 } },
        { itemId: 'a', domain: 'movies', categories: { comedy: 1 } },
      ],
    });
    expect(answer).toEqual({ imported: 2, items: [{ itemId: 'a', version: 1 }, { itemId: 'b', version: 1 }] });
    expect(items.upserts[0]!.map((i) => [i.itemId, i.categories])).toEqual([
      ['a', { comedy: 1 }],
      ['b', { politics: 1 }],
    ]);
    expect(changed).toEqual([['movies', 'news']]);
  });

  it('an import is all-or-nothing: each invalid item is named by index (400)', async () => {
    const { items, upsert } = setup();
    const answer = await errorAnswer(upsert.importMany({ items: [{ itemId: 'a', domain: 'movies', categories: { drama: 1 } }, { itemId: 'b', domain: 'movies' }] }));
    expect([answer.status, answer.body.message, answer.body.issues!.map((i) => i.path)]).toEqual([400, '1 invalid field(s); nothing was imported', ['items[1].categories']]);
    expect(items.upserts).toEqual([]);
  });

  it('an import that is not { items: [...] } is a 400; one over 5000 items is a 413', async () => {
    const { upsert } = setup();
    const shape = await errorAnswer(upsert.importMany([{ itemId: 'a' }]));
    expect([shape.status, shape.body.message]).toEqual([400, 'body must be { "items": [ ... ] }']);
    const tooMany = await errorAnswer(upsert.importMany({ items: Array.from({ length: 5001 }, (_, i) => ({ itemId: `i${i}`, domain: 'movies', categories: { drama: 1 } })) }));
    expect([tooMany.status, tooMany.body.message]).toEqual([413, 'an import holds at most 5000 items; split it']);
  });
});
