import { API_KEY_REVOKED_CHANNEL, ApiKeyRepository, ApiKeyVerifier, PostgresListener, type ContextLogger } from '@chorus/platform';
import type { OpenStreams } from '../usecases/open-streams.registry';

const REVOKED = 'the API key was revoked';

/**
 * Ends the alert streams of a key as soon as it is revoked: `ApiKeyRepository.revoke` NOTIFYs the key's id on commit,
 * and this process drops the key from its verifier's cache (so a reconnect is refused) and closes its streams.
 * Notifications sent while the LISTEN connection was down are lost, so on every (re)connect the keys holding streams
 * are checked against the table.
 */
export class KeyRevocationListener {
  private readonly listener: PostgresListener;

  constructor(
    databaseUrl: string,
    private readonly keys: ApiKeyRepository,
    private readonly verifier: ApiKeyVerifier,
    private readonly streams: OpenStreams,
    private readonly log: ContextLogger,
  ) {
    this.listener = new PostgresListener(databaseUrl, API_KEY_REVOKED_CHANNEL, (id) => this.revoked(id), () => void this.recheck(), log);
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  private revoked(id: string): void {
    this.verifier.forget(id);
    const closed = this.streams.closeKey(id, REVOKED);
    if (closed > 0) this.log.info('closed the alert streams of a revoked key', { keyId: id, streams: closed });
  }

  private async recheck(): Promise<void> {
    try {
      for (const id of await this.keys.revokedAmong(this.streams.keyIds())) this.revoked(id);
    } catch (error) {
      this.log.warn('checking the streams\' keys for revocations failed; the next reconnect checks again', { error: (error as Error).message });
    }
  }
}
