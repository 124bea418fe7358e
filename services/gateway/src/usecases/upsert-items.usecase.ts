import { ITEM_IMPORT_LIMIT, itemBodyV1, itemImportV1, itemV1, normaliseCategories, parseWith, type ItemV1, type ValidationIssue } from '@chorus/contracts';
import { DomainError, emitEvent } from '@chorus/platform';
import type { EventProducer, ItemsPort } from './ports';

/**
 * Catalogue writes: Postgres is the record (so the learner and serving read it consistently), and each change is
 * published on the compacted chorus.items.v1 so followers (learner caches, drift-watch) see it.
 */
export class UpsertItemsUseCase {
  constructor(
    private readonly items: ItemsPort,
    private readonly producer: EventProducer,
    private readonly onChanged: (domains: Set<string>) => void,
  ) {}

  async putOne(itemId: string, body: unknown): Promise<{ itemId: string; version: number }> {
    const id = parseWith(itemV1.shape.itemId, itemId, 'itemId');
    if (!id.ok) throw new DomainError('REQUEST.INVALID', 'the item id in the path is not valid', id.issues);
    const parsed = parseWith(itemBodyV1, body);
    if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'the item is not valid; fix the fields listed', parsed.issues);
    const [result] = await this.write([{ ...parsed.value, itemId: id.value }]);
    return result!;
  }

  async importMany(body: unknown): Promise<{ imported: number; items: { itemId: string; version: number }[] }> {
    const envelope = parseWith(itemImportV1, body);
    if (!envelope.ok) {
      const tooMany = Array.isArray((body as { items?: unknown })?.items) && (body as { items: unknown[] }).items.length > ITEM_IMPORT_LIMIT;
      throw new DomainError(tooMany ? 'REQUEST.TOO_LARGE' : 'REQUEST.INVALID', tooMany ? `an import holds at most ${ITEM_IMPORT_LIMIT} items; split it` : 'body must be { "items": [ ... ] }', envelope.issues);
    }
    const items: ItemV1[] = [];
    const issues: ValidationIssue[] = [];
    envelope.value.items.forEach((raw, index) => {
      const parsed = parseWith(itemV1, raw, `items[${index}]`);
      if (parsed.ok) items.push(parsed.value);
      else issues.push(...parsed.issues);
    });
    if (issues.length > 0) throw new DomainError('REQUEST.INVALID', `${issues.length} invalid field(s); nothing was imported`, issues);
    const written = await this.write(items);
    return { imported: written.length, items: written };
  }

  private async write(items: ItemV1[]): Promise<{ itemId: string; version: number }[]> {
    // A later duplicate id in one import wins, as it would in sequential PUTs.
    const unique = [...new Map(items.map((item) => [item.itemId, { ...item, categories: normaliseCategories(item.categories) }])).values()];
    const versions = await this.items.upsert(unique);
    // An import of 5,000 items with dense features is megabytes: the client splits it into requests the broker takes.
    await emitEvent(this.producer, 'items', unique.map((item) => ({ key: item.itemId, value: JSON.stringify(item) })));
    this.onChanged(new Set(unique.map((i) => i.domain)));
    return unique.map((item) => ({ itemId: item.itemId, version: versions.get(item.itemId)! }));
  }
}
