import type { ContextLogger, SecretBox } from '@chorus/platform';
import type { SubscriptionsPort } from './ports';

const PAGE = 500;

/**
 * Brings every stored webhook secret under the current encryption key: plaintext rows (stored before encryption was
 * the default) and rows sealed with NOTIFIER_SECRET_ENCRYPTION_PREVIOUS_KEY are sealed again. Runs at start; each row
 * is replaced only if unchanged since it was read, so replicas starting together and concurrent PATCHes are safe.
 * Rows no configured key opens are left as they are and counted: their deliveries fail with a message naming the fix.
 */
export class ResealSecretsUseCase {
  constructor(
    private readonly subscriptions: SubscriptionsPort,
    private readonly secrets: SecretBox,
    private readonly log: ContextLogger,
  ) {}

  async run(): Promise<{ resealed: number; unreadable: number }> {
    let resealed = 0;
    const unreadable: string[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.subscriptions.sealedSecrets(after, PAGE);
      for (const row of page) {
        for (const [column, stored] of [['secret', row.secret], ['previous_secret', row.previousSecret]] as const) {
          if (stored === null) continue;
          let plaintext: string;
          try {
            if (!this.secrets.needsReseal(stored, row.id)) continue;
            plaintext = this.secrets.open(stored, row.id);
          } catch {
            unreadable.push(row.id);
            continue;
          }
          if (await this.subscriptions.reseal(row.id, column, stored, this.secrets.seal(plaintext, row.id))) resealed++;
        }
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    if (resealed > 0) this.log.info('webhook secrets sealed under the current encryption key', { resealed });
    if (unreadable.length > 0) {
      this.log.warn('webhook secrets no configured key opens; set NOTIFIER_SECRET_ENCRYPTION_KEY (or _PREVIOUS_KEY) to the key they were stored with, or PATCH new secrets', {
        count: unreadable.length,
        subscriptionIds: [...new Set(unreadable)].slice(0, 20),
      });
    }
    return { resealed, unreadable: new Set(unreadable).size };
  }
}
