import { SecretBox } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { InMemorySubscriptions, recordingLogger } from '../testing/in-memory-ports';
import { ResealSecretsUseCase } from './reseal-secrets.usecase';

const CURRENT = Buffer.alloc(32, 1).toString('base64');
const PREVIOUS = Buffer.alloc(32, 2).toString('base64');
const UNKNOWN = Buffer.alloc(32, 3).toString('base64');
const id = (n: number) => `60000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('ResealSecretsUseCase', () => {
  it('seals plaintext and previous-key rows under the current key, leaves current ones, and counts what no key opens', async () => {
    const box = new SecretBox(CURRENT, PREVIOUS);
    const subscriptions = new InMemorySubscriptions();
    const add = async (n: number, secret: string, previousSecret: string | null = null) => {
      await subscriptions.create({ id: id(n), ownerKeyId: 'owner', description: null, url: 'https://example.com', secret, active: true, filters: {} });
      subscriptions.rows.get(id(n))!.previousSecret = previousSecret;
    };
    await add(1, 'whsec_plain');
    await add(2, new SecretBox(PREVIOUS).seal('whsec_two', id(2)), 'whsec_two_old');
    await add(3, box.seal('whsec_three', id(3)));
    await add(4, new SecretBox(UNKNOWN).seal('whsec_four', id(4)));
    const { lines, logger } = recordingLogger();
    expect(await new ResealSecretsUseCase(subscriptions, box, logger.child('reseal')).run()).toEqual({ resealed: 3, unreadable: 1 });
    const current = new SecretBox(CURRENT);
    expect([1, 2, 3].map((n) => current.open(subscriptions.rows.get(id(n))!.secret, id(n)))).toEqual(['whsec_plain', 'whsec_two', 'whsec_three']);
    expect(current.open(subscriptions.rows.get(id(2))!.previousSecret!, id(2))).toBe('whsec_two_old');
    expect([1, 2, 3].map((n) => current.needsReseal(subscriptions.rows.get(id(n))!.secret, id(n)))).toEqual([false, false, false]);
    expect(lines.map((l) => [l.level, l.message, l.resealed ?? l.subscriptionIds])).toEqual([
      ['info', 'webhook secrets sealed under the current encryption key', 3],
      ['warn', 'webhook secrets no configured key opens; set NOTIFIER_SECRET_ENCRYPTION_KEY (or _PREVIOUS_KEY) to the key they were stored with, or PATCH new secrets', [id(4)]],
    ]);
  });

  it('pages through more than 500 subscriptions', async () => {
    const subscriptions = new InMemorySubscriptions();
    for (let n = 1; n <= 501; n++) await subscriptions.create({ id: id(n), ownerKeyId: 'owner', description: null, url: 'https://example.com', secret: `plain-${n}`, active: true, filters: {} });
    const { logger } = recordingLogger();
    expect(await new ResealSecretsUseCase(subscriptions, new SecretBox(CURRENT), logger.child('reseal')).run()).toEqual({ resealed: 501, unreadable: 0 });
  });
});
