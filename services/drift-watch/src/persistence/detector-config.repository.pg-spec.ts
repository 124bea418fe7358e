import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DetectorConfigRepository } from './detector-config.repository';

const pg = useMigratedDatabase('drift_configs');
let configs: DetectorConfigRepository;
beforeAll(() => {
  configs = new DetectorConfigRepository(pg.db);
});

const insert = async (metric: string, domain: string, version: number, config: object): Promise<number> =>
  Number((await pg.db.query(`INSERT INTO drift_detector_configs (metric, domain, version, config) VALUES ($1, $2, $3, $4) RETURNING change_id`, [metric, domain, version, config]))[0].change_id);

describe('DetectorConfigRepository', () => {
  it('reads the latest version of each (metric, domain), validated with its defaults, and the highest change id', async () => {
    expect(await configs.stamp()).toBe(0);
    expect(await configs.latest()).toEqual([]);
    await insert('miscalibration', 'movies', 1, { detector: 'ADWIN', params: { delta: 0.002 }, direction: 'up', harmful: true, criticalChange: 0.5 });
    const v2 = await insert('miscalibration', 'movies', 2, { detector: 'PageHinkley', params: {}, direction: 'both', harmful: false, criticalChange: 0.25, referenceSize: 40 });
    const news = await insert('miscalibration', 'news', 1, { detector: 'DDM', params: {}, direction: 'up', harmful: true, criticalChange: 1, binaryThreshold: 0.5, enabled: false });
    expect(await configs.stamp()).toBe(news);
    const latest = (await configs.latest()).sort((a, b) => (a.domain < b.domain ? -1 : 1));
    expect(latest.map(({ createdAt, ...rest }) => (expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT/), rest))).toEqual([
      {
        metric: 'miscalibration',
        domain: 'movies',
        version: 2,
        changeId: v2,
        config: { detector: 'PageHinkley', params: {}, direction: 'both', harmful: false, criticalChange: 0.25, referenceSize: 40, enabled: true },
      },
      {
        metric: 'miscalibration',
        domain: 'news',
        version: 1,
        changeId: news,
        config: { detector: 'DDM', params: {}, direction: 'up', harmful: true, criticalChange: 1, binaryThreshold: 0.5, referenceSize: 20, enabled: false },
      },
    ]);
  });

  it('fails on a stored row the contract refuses (a bug worth stopping on, not a configuration to guess at)', async () => {
    await insert('exposure-entropy', 'movies', 1, { detector: 'DDM', params: {}, direction: 'both', harmful: true, criticalChange: 1 });
    await expect(configs.latest()).rejects.toThrow(/binaryThreshold/);
    await pg.db.query(`DELETE FROM drift_detector_configs WHERE metric = 'exposure-entropy'`);
  });
});
