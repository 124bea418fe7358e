import type { Message, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { sendBounded } from './bounded-send';

/** Records the requests sendBounded makes (the real broker's refusal is in test/bounded-send.e2e-spec.ts). */
function recordingProducer(): { producer: Producer; requests: Message[][] } {
  const requests: Message[][] = [];
  const producer = { send: async ({ messages }: { messages: Message[] }) => void requests.push(messages) } as unknown as Producer;
  return { producer, requests };
}

describe('sendBounded', () => {
  it('groups consecutive messages up to the bound, in order', async () => {
    const { producer, requests } = recordingProducer();
    const messages = ['aaaa', 'bbbb', 'cccc', 'dd', 'eeeeeeee'].map((value) => ({ value }));
    await sendBounded(producer, 't', messages, 8);
    expect(requests.map((r) => r.map((m) => m.value))).toEqual([['aaaa', 'bbbb'], ['cccc', 'dd'], ['eeeeeeee']]);
  });

  it('sends a message larger than the bound on its own', async () => {
    const { producer, requests } = recordingProducer();
    await sendBounded(producer, 't', [{ value: 'a' }, { value: 'b'.repeat(100) }, { value: 'c' }, { value: 'd' }], 10);
    expect(requests.map((r) => r.length)).toEqual([1, 1, 2]);
  });

  it('counts keys, UTF-8 bytes and headers', async () => {
    const { producer, requests } = recordingProducer();
    // 'é' is two bytes: each message is 1 (key) + 4 (value) + 1 + 2 (header) = 8 bytes.
    const message = { key: 'k', value: 'éé', headers: { h: Buffer.from('vv') } };
    await sendBounded(producer, 't', [message, message, message], 16);
    expect(requests.map((r) => r.length)).toEqual([2, 1]);
  });

  it('sends nothing for no messages', async () => {
    const { producer, requests } = recordingProducer();
    await sendBounded(producer, 't', []);
    expect(requests).toEqual([]);
  });
});
