import { RuntimeOpsController, type CallerKey } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { declaredRoutes } from '../../../../test/support/declared-routes';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { InMemoryDriftAlerts, InMemoryDriftConfigs, InMemoryDriftSegments, InMemoryDriftSeries, InMemoryItems, RecordingProducer } from '../testing/in-memory-ports';
import { DriftAdminUseCase } from '../usecases/drift-admin.usecase';
import { DriftSegmentsUseCase } from '../usecases/drift-segments.usecase';
import { IngestFeedbackUseCase } from '../usecases/ingest-feedback.usecase';
import { UpsertItemsUseCase } from '../usecases/upsert-items.usecase';
import { DriftAdminController } from './drift-admin.controller';
import { DriftSegmentsController } from './drift-segments.controller';
import { FeedbackController } from './feedback.controller';
import { ItemsController } from './items.controller';
import { ModelsController } from './models.controller';
import { OperationsController } from './operations.controller';

const OPS: CallerKey = { id: 'key-1', name: 'ops-key', scopes: ['admin'] };

describe('gateway controllers: the access each route declares', () => {
  it('feedback needs ingest; reads need read; catalogue writes and drift administration need admin; ops are public or metrics', () => {
    expect([FeedbackController, ItemsController, ModelsController, DriftAdminController, DriftSegmentsController, OperationsController, RuntimeOpsController].flatMap(declaredRoutes)).toEqual([
      'POST /v1/feedback → scope:ingest',
      'POST /v1/items/import → scope:admin',
      'PUT /v1/items/:id → scope:admin',
      'GET /v1/items/:id → scope:read',
      'GET /v1/models/aggregate → scope:read',
      'GET /v1/users/:id/model → scope:read',
      'GET /v1/users/:id/reliability → scope:read',
      'GET /v1/users/:id/recommendations → scope:read',
      'GET /v1/admin/drift/alerts → scope:admin',
      'GET /v1/admin/drift/alerts/:id → scope:admin',
      'POST /v1/admin/drift/alerts/:id/ack → scope:admin',
      'GET /v1/admin/drift/series/users/:userId → scope:admin',
      'GET /v1/admin/drift/series/population → scope:admin',
      'GET /v1/admin/drift/config → scope:admin',
      'GET /v1/admin/drift/config/:domain/:metric → scope:admin',
      'PUT /v1/admin/drift/config/:domain/:metric → scope:admin',
      'GET /v1/admin/drift/segments → scope:admin',
      'GET /v1/admin/drift/segments/:domain/:name → scope:admin',
      'PUT /v1/admin/drift/segments/:domain/:name → scope:admin',
      'DELETE /v1/admin/drift/segments/:domain/:name → scope:admin',
      'GET /v1/admin/drift/segments/:domain/:name/series → scope:admin',
      'GET /v1/admin/overview/lag → scope:admin',
      'GET /v1/admin/overview/dead-letters → scope:admin',
      'GET /v1/admin/overview/prequential-auc → scope:admin',
      'GET /v1/admin/users/:id/lists → scope:admin',
      'GET /health → public',
      'GET /metrics → metrics',
    ]);
  });
});

describe('FeedbackController', () => {
  it('hands the body to ingestion and answers what it accepted', async () => {
    const producer = new RecordingProducer();
    const controller = new FeedbackController(new IngestFeedbackUseCase(producer));
    const event = { eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000001', type: 'skip', userId: 'u-1', itemId: 'i-1', domain: 'news', occurredAt: '2026-01-01T00:00:00.000Z' };
    expect(await controller.post(event)).toEqual({ accepted: 1, eventIds: ['5d2c1f0e-8b1a-4c3e-9f00-000000000001'] });
    expect((await errorAnswer(controller.post({ events: 'all of them' }))).status).toBe(400);
  });
});

describe('ItemsController', () => {
  function setup() {
    const items = new InMemoryItems();
    return { items, controller: new ItemsController(new UpsertItemsUseCase(items, new RecordingProducer(), () => undefined), items) };
  }

  it('PUT then GET returns the stored item with its version', async () => {
    const { controller } = setup();
    expect(await controller.put('film-1', { domain: 'movies', categories: { drama: 1 } })).toEqual({ itemId: 'film-1', version: 1 });
    expect(await controller.import({ items: [{ itemId: 'film-2', domain: 'movies', categories: { comedy: 2 } }] })).toEqual({ imported: 1, items: [{ itemId: 'film-2', version: 1 }] });
    expect(await controller.get('film-2')).toEqual({ itemId: 'film-2', domain: 'movies', categories: { comedy: 1 }, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('GET of a missing item is a 404 saying how to create it; a bad id is a 400 naming "id"', async () => {
    const { controller } = setup();
    expect(await errorAnswer(controller.get('film 9'.replace(' ', '/')))).toEqual({
      status: 404,
      body: { code: 'ITEM.NOT_FOUND', message: 'no item "film/9"; create it with PUT /v1/items/film%2F9' },
    });
    const bad = await errorAnswer(controller.get('has space'));
    expect([bad.status, bad.body.issues!.map((i) => i.path)]).toEqual([400, ['id']]);
  });
});

describe('DriftAdminController', () => {
  it('acknowledges in the name of the calling key, and passes queries and paths through', async () => {
    const alerts = new InMemoryDriftAlerts();
    const configs = new InMemoryDriftConfigs();
    const series = new InMemoryDriftSeries();
    const controller = new DriftAdminController(new DriftAdminUseCase(alerts, series, configs));
    expect(await controller.list({ limit: '5' })).toEqual({ items: [], nextCursor: null });
    expect(alerts.queries).toEqual([{ query: { limit: 5 } }]);
    expect((await errorAnswer(controller.get('0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9a01'))).status).toBe(404);
    expect((await errorAnswer(controller.ack('0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9a01', {}, OPS))).status).toBe(404);
    expect(await controller.userSeries('u-1', { domain: 'news' })).toEqual({ userId: 'u-1', domain: 'news', points: [] });
    expect(await controller.populationSeries({ domain: 'news' })).toEqual({ domain: 'news', points: [] });
    const stored = await controller.change('news', 'polarization', { detector: 'CUSUM', params: {}, direction: 'both', harmful: false, criticalChange: 1 }, OPS);
    expect([stored.version, stored.createdBy]).toEqual([1, 'ops-key']);
    expect((await controller.history('news', 'polarization')).versions.length).toBe(1);
    expect((await controller.configs('news')).metrics.find((m) => m.metric === 'polarization')!.source).toBe('domain');
  });
});

describe('DriftSegmentsController', () => {
  it('defines in the name of the calling key; delete answers nothing; a missing segment is a 404', async () => {
    const segments = new InMemoryDriftSegments();
    const controller = new DriftSegmentsController(new DriftSegmentsUseCase(segments));
    expect(await controller.replace('news', 'owls', { userIds: ['u-2', 'u-1'] }, OPS)).toMatchObject({ members: 2, createdBy: 'ops-key' });
    expect((await controller.list({})).items.length).toBe(1);
    expect((await controller.get('news', 'owls', {})).userIds).toEqual(['u-1', 'u-2']);
    expect(await controller.series('news', 'owls', {})).toEqual({ domain: 'news', segment: 'owls', points: [] });
    expect(await controller.delete('news', 'owls')).toBeUndefined();
    expect((await errorAnswer(controller.delete('news', 'owls'))).status).toBe(404);
  });
});
