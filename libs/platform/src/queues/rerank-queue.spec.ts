import { describe, expect, it } from 'vitest';
import { modelVersion } from '@chorus/contracts';
import { rerankJobId } from './rerank-queue';

describe('rerankJobId', () => {
  it('is deterministic in domain, user, model version and overrides, and readable for plain ids', () => {
    expect(rerankJobId('movies', 'alice', modelVersion(12, 3400))).toBe('user.movies.alice.v12.3400');
    expect(rerankJobId('movies', 'alice', modelVersion(12, 3400))).toBe(rerankJobId('movies', 'alice', '12.3400'));
    expect(rerankJobId('movies', 'alice', '12.3400', { lambda: 0.9, n: 10 })).toBe('user.movies.alice.v12.3400.l0.9.n10');
  });

  it('differs when anything that changes the list differs', () => {
    const ids = new Set([
      rerankJobId('movies', 'alice', '1.1'),
      rerankJobId('movies', 'alice', '2.1'),
      rerankJobId('movies', 'alice', '1.2'),
      rerankJobId('news', 'alice', '1.1'),
      rerankJobId('movies', 'bob', '1.1'),
      rerankJobId('movies', 'alice', '1.1', { lambda: 0.5 }),
      rerankJobId('movies', 'alice', '1.1', { n: 5 }),
    ]);
    expect(ids.size).toBe(7);
  });

  it('hashes user ids BullMQ or URLs would choke on (":" is refused by BullMQ), without collisions between them', () => {
    const colon = rerankJobId('movies', 'tenant:42', '1.1');
    const dotted = rerankJobId('movies', 'a.v1', '1.1');
    expect(colon).not.toContain(':');
    expect(colon).toMatch(/^user\.movies\.h[0-9a-f]{24}\.v1\.1$/);
    expect(dotted).not.toBe(rerankJobId('movies', 'a', '1.1'));
    expect(rerankJobId('movies', 'tenant:43', '1.1')).not.toBe(colon);
    expect(`${parseInt(colon, 10)}`).not.toBe(colon); // BullMQ also refuses integer-looking ids
  });
});
