import { describe, expect, it } from 'vitest';
import { UnprocessableMessageError } from './unprocessable-message.error';
import { isolatePoison } from './poison-isolation';

/**
 * A store that commits groups atomically, as a consumer's Postgres transaction does: a group holding a poison message
 * commits nothing. The oracle: every good message committed exactly once and in order, every poison one quarantined.
 */
function store(poison: Set<number>, failure: () => unknown = () => new UnprocessableMessageError('TEST.POISON', 'refused')) {
  const committed: number[] = [];
  const quarantined: number[] = [];
  let attempts = 0;
  return {
    committed,
    quarantined,
    get attempts() {
      return attempts;
    },
    isolation: {
      attempt: async (group: readonly number[]) => {
        attempts++;
        if (group.some((m) => poison.has(m))) throw failure();
        committed.push(...group);
      },
      quarantine: async (message: number) => void quarantined.push(message),
    },
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('isolatePoison', () => {
  it.each([
    [1, []],
    [1, [0]],
    [10, [4]],
    [10, [0, 9]],
    [64, [3, 4, 5, 40]],
    [1000, [999]],
    [7, [0, 1, 2, 3, 4, 5, 6]],
  ])('of %i messages with poison %j: each good one committed once, in order; each poison one quarantined', async (n, bad) => {
    const s = store(new Set(bad));
    await isolatePoison(range(n), s.isolation);
    expect(s.committed).toEqual(range(n).filter((m) => !bad.includes(m)));
    expect(s.quarantined).toEqual(bad);
  });

  it('finds one culprit among 1024 messages in about 2·log2(n) attempts', async () => {
    const s = store(new Set([517]));
    await isolatePoison(range(1024), s.isolation);
    expect(s.attempts).toBeLessThanOrEqual(2 * Math.log2(1024) + 1);
  });

  it('does not split on an infrastructure failure: it propagates, and what was committed before stays committed', async () => {
    const s = store(new Set([5]), () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await expect(isolatePoison(range(8), s.isolation)).rejects.toThrow('ECONNREFUSED');
    expect(s.quarantined).toEqual([]);
  });
});
