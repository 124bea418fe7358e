import type { DriftDetectorConfigBodyV1 } from '@chorus/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftConfigRepository } from './drift-config.repository';

const database = useMigratedDatabase('gateway_drift_config');
let repository: DriftConfigRepository;

const config = (delta: number): DriftDetectorConfigBodyV1 => ({
  detector: 'ADWIN',
  params: { delta },
  direction: 'up',
  harmful: true,
  criticalChange: 0.2,
  referenceSize: 20,
  enabled: true,
});

beforeAll(() => {
  repository = new DriftConfigRepository(database.db);
});

describe('DriftConfigRepository (PostgreSQL)', () => {
  it('appends version 1, 2, … per (metric, domain), each with a new, increasing change id', async () => {
    const a = await repository.append('miscalibration', 'news', config(0.1), 'ops-key');
    const b = await repository.append('miscalibration', 'news', config(0.2), 'other-key');
    const c = await repository.append('miscalibration', '*', config(0.3), 'ops-key');
    expect([a.version, b.version, c.version]).toEqual([1, 2, 1]);
    expect(b.changeId).toBeGreaterThan(a.changeId);
    expect(c.changeId).toBeGreaterThan(b.changeId);
    expect([b.metric, b.domain, b.createdBy, b.config]).toEqual(['miscalibration', 'news', 'other-key', config(0.2)]);
  });

  it('concurrent appends to one key get distinct, consecutive versions (the advisory lock)', async () => {
    const stored = await Promise.all(Array.from({ length: 6 }, (_, i) => repository.append('polarization', 'news', config(0.01 * (i + 1)), `key-${i}`)));
    expect(stored.map((s) => s.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('versions are newest first; latest holds one row per (metric, domain)', async () => {
    expect((await repository.versions('miscalibration', 'news')).map((v) => [v.version, v.config.params])).toEqual([
      [2, { delta: 0.2 }],
      [1, { delta: 0.1 }],
    ]);
    expect(await repository.versions('bimodality', 'news')).toEqual([]);
    const latest = (await repository.latest()).map((v) => [v.metric, v.domain, v.version]);
    expect(latest).toEqual([
      ['miscalibration', '*', 1],
      ['miscalibration', 'news', 2],
      ['polarization', 'news', 6],
    ]);
  });
});
