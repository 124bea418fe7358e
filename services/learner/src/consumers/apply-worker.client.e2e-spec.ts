import { describe, expect, it } from 'vitest';
import { PG_BASE } from '../../../../test/support/test-stack';
import { loadLearnerConfig } from '../learner.config';
import { ApplyWorkerClient } from './apply-worker.client';

/**
 * The apply worker thread ends when it cannot start (here: its database does not exist, a real answer of the real
 * Postgres); it exits with code 0. A batch posted to it must then be refused, not wait for an answer that cannot come.
 */
describe('ApplyWorkerClient when the worker thread has exited', () => {
  it('rejects the batch waiting for an answer and every later request, and reports the exit as fatal', async () => {
    const client = new ApplyWorkerClient(loadLearnerConfig({ DATABASE_URL: `${PG_BASE}/chorus_no_such_database`, KAFKA_BROKERS: '127.0.0.1:9092' }));
    const fatal: string[] = [];
    client.report({ flushed: () => undefined, log: () => undefined, fenced: () => undefined, fatal: (error) => void fatal.push(error.message) });

    const answer = client.apply(0, [{ offset: '0', key: null, value: Buffer.from('{}') }]).then(({ applied }) => applied);
    await expect(answer).rejects.toThrow(/^learner apply worker exited with code 0; restart the learner/);
    await expect(client.apply(0, [{ offset: '1', key: null, value: null }])).rejects.toThrow(/exited with code 0/);
    await expect(client.reassign()).rejects.toThrow(/exited with code 0/);
    expect(fatal).toEqual([expect.stringContaining('database "chorus_no_such_database" does not exist'), expect.stringMatching(/^learner apply worker exited with code 0/)]);
    // Stopping a worker that is gone ends at once.
    await client.stop();
  }, 30_000);
});
