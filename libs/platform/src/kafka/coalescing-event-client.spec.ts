import type { TopicKey } from '@chorus/contracts';
import type { Message } from 'kafkajs';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CoalescingEventClient } from './coalescing-event-client';
import { emitEvent, type EventClient } from './kafka-producer.client';

/** The client below: records each emit and leaves it unacknowledged until the test settles it. */
class HeldClient implements EventClient {
  readonly sends: { pattern: TopicKey; keys: string[]; settle: (error?: Error) => void }[] = [];

  emit(pattern: TopicKey, messages: readonly Message[]) {
    return from(
      new Promise<void>((resolve, reject) => {
        this.sends.push({ pattern, keys: messages.map((m) => String(m.key)), settle: (error) => (error ? reject(error) : resolve()) });
      }),
    );
  }
}

const messages = (...keys: string[]): Message[] => keys.map((key) => ({ key, value: 'v' }));
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Which of the promises have settled, and how ('ok', the error's message, or 'pending'). */
function watch(promises: Promise<void>[]) {
  const states = promises.map(() => 'pending');
  promises.forEach((p, i) => p.then(() => (states[i] = 'ok'), (error: Error) => (states[i] = error.message)));
  return states;
}

describe('CoalescingEventClient', () => {
  it("merges the emits of one turn into one send, in order, and answers each only once that send is acknowledged", async () => {
    const below = new HeldClient();
    const client = new CoalescingEventClient(below);
    const states = watch([emitEvent(client, 'feedback', messages('a1', 'a2')), emitEvent(client, 'feedback', messages('b1')), emitEvent(client, 'exposures', messages('x'))]);
    await turn();
    expect(below.sends.map((s) => [s.pattern, s.keys])).toEqual([
      ['feedback', ['a1', 'a2', 'b1']],
      ['exposures', ['x']],
    ]);
    await turn();
    expect(states).toEqual(['pending', 'pending', 'pending']);
    below.sends[0]!.settle();
    await turn();
    expect(states).toEqual(['ok', 'ok', 'pending']);
    below.sends[1]!.settle();
    await turn();
    expect(states).toEqual(['ok', 'ok', 'ok']);
  });

  it('queues emits while maxInFlight sends await the broker, and sends them together when one is acknowledged', async () => {
    const below = new HeldClient();
    const client = new CoalescingEventClient(below, { maxInFlight: 1 });
    const first = watch([emitEvent(client, 'feedback', messages('a'))]);
    await turn();
    const later = watch([emitEvent(client, 'feedback', messages('b')), emitEvent(client, 'feedback', messages('c'))]);
    await turn();
    expect(below.sends.map((s) => s.keys)).toEqual([['a']]);
    below.sends[0]!.settle();
    await turn();
    expect(first).toEqual(['ok']);
    expect(below.sends.map((s) => s.keys)).toEqual([['a'], ['b', 'c']]);
    expect(later).toEqual(['pending', 'pending']);
    below.sends[1]!.settle();
    await turn();
    expect(later).toEqual(['ok', 'ok']);
  });

  it('keeps a merged send within maxBytes (an emit larger than it goes alone, whole)', async () => {
    const below = new HeldClient();
    const client = new CoalescingEventClient(below, { maxBytes: 10, maxInFlight: 4 });
    const sized = (key: string, bytes: number): Message[] => [{ key, value: 'x'.repeat(bytes - key.length) }];
    void emitEvent(client, 'feedback', sized('a', 4));
    void emitEvent(client, 'feedback', sized('b', 6));
    void emitEvent(client, 'feedback', sized('c', 6));
    void emitEvent(client, 'feedback', sized('d', 30));
    void emitEvent(client, 'feedback', sized('e', 2));
    await turn();
    expect(below.sends.map((s) => s.keys)).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
  });

  it('fails every emit of a failed send, and only those', async () => {
    const below = new HeldClient();
    const client = new CoalescingEventClient(below, { maxInFlight: 1 });
    const states = watch([emitEvent(client, 'feedback', messages('a')), emitEvent(client, 'feedback', messages('b'))]);
    await turn();
    const next = watch([emitEvent(client, 'feedback', messages('c'))]);
    below.sends[0]!.settle(new Error('leader not available'));
    await turn();
    expect(states).toEqual(['leader not available', 'leader not available']);
    expect(below.sends.map((s) => s.keys)).toEqual([['a', 'b'], ['c']]);
    below.sends[1]!.settle();
    await turn();
    expect(next).toEqual(['ok']);
  });

  it('fails, unsent, an emit that waited longer than maxQueueMs for a free send', async () => {
    const below = new HeldClient();
    const client = new CoalescingEventClient(below, { maxInFlight: 1, maxQueueMs: 20 });
    void emitEvent(client, 'feedback', messages('a'));
    await turn();
    const late = watch([emitEvent(client, 'feedback', messages('b'))]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const fresh = watch([emitEvent(client, 'feedback', messages('c'))]);
    below.sends[0]!.settle();
    await turn();
    expect(late).toEqual(['not sent: it waited over 20 ms behind sends the broker had not acknowledged']);
    expect(below.sends.map((s) => s.keys)).toEqual([['a'], ['c']]);
    expect(fresh).toEqual(['pending']);
  });

  it('refuses a maxInFlight below 1', () => {
    expect(() => new CoalescingEventClient(new HeldClient(), { maxInFlight: 0 })).toThrow('maxInFlight must be an integer ≥ 1, got 0');
  });
});
