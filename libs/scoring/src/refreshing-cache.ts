/**
 * A value per key, read again once it is older than `ttlMs`. The caller that finds it expired waits for the new read;
 * callers that come while that read is under way get the last value at once instead of queueing behind it (at 100k
 * items a catalogue stamp or an aggregate read takes long enough that every request of the moment would wait). A
 * failed read leaves the last value in place and the next caller tries again.
 */
export class RefreshingCache<T> {
  private readonly entries = new Map<string, { value?: T; until: number; pending?: Promise<T> }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, read: (previous: T | undefined) => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { until: 0 }));
    if (entry.value !== undefined && entry.until > Date.now()) return Promise.resolve(entry.value);
    if (entry.pending) return entry.value !== undefined ? Promise.resolve(entry.value) : entry.pending;
    const current = entry;
    const pending = read(current.value).then((value) => {
      current.value = value;
      current.until = Date.now() + this.ttlMs;
      return value;
    });
    current.pending = pending;
    const settle = () => {
      if (current.pending === pending) current.pending = undefined;
    };
    pending.then(settle, settle);
    return pending;
  }

  /** Forgets the key's value: the next caller reads it again and waits for it. */
  delete(key: string): void {
    this.entries.delete(key);
  }
}
