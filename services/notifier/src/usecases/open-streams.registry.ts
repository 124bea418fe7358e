/**
 * The alert streams open in this process, by the API key that opened them: what caps a key's streams
 * (NOTIFIER_MAX_STREAMS_PER_KEY) and what revoking a key closes.
 *
 * Counted in process, not in Redis: the cap protects this process's sockets and memory, and an in-process count can
 * never leak, whereas a shared count would outlive a crashed process and lock its keys out until it expired. With
 * several API processes a key may hold the cap on each.
 */
export class OpenStreams {
  private readonly byKey = new Map<string, Set<(reason: string) => void>>();

  constructor(readonly maxPerKey: number) {}

  /**
   * Register a stream of key `keyId`, ended by `close` if the key is revoked. Returns the stream's release (call it
   * once the stream has ended), or undefined when the key already holds `maxPerKey` streams.
   */
  open(keyId: string, close: (reason: string) => void): (() => void) | undefined {
    const streams = this.byKey.get(keyId) ?? new Set();
    if (streams.size >= this.maxPerKey) return undefined;
    streams.add(close);
    this.byKey.set(keyId, streams);
    return () => {
      streams.delete(close);
      if (streams.size === 0 && this.byKey.get(keyId) === streams) this.byKey.delete(keyId);
    };
  }

  /** End every stream of key `keyId`; how many there were. */
  closeKey(keyId: string, reason: string): number {
    const streams = this.byKey.get(keyId);
    if (!streams) return 0;
    this.byKey.delete(keyId);
    for (const close of streams) close(reason);
    return streams.size;
  }

  /** The keys holding streams now. */
  keyIds(): string[] {
    return [...this.byKey.keys()];
  }

  countOf(keyId: string): number {
    return this.byKey.get(keyId)?.size ?? 0;
  }
}
