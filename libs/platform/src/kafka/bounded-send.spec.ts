import type { Message, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { sendBounded, sendDeadLetters } from './bounded-send';

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

describe('sendBounded: sizes', () => {
  it('bounds requests at 512 KiB of payload by default', async () => {
    const { producer, requests } = recordingProducer();
    const half = 'x'.repeat(256 * 1024);
    // 256 KiB + 256 KiB is exactly the bound (one request); a further byte starts the next.
    await sendBounded(producer, 't', [{ value: half }, { value: half }, { value: 'y' }]);
    expect(requests.map((r) => r.length)).toEqual([2, 1]);
  });

  it('counts UTF-8 bytes of string values, not UTF-16 code units', async () => {
    const { producer, requests } = recordingProducer();
    // 'éé' is 4 bytes (2 code units): two of them (8 bytes) do not fit in 7.
    await sendBounded(producer, 't', [{ value: 'éé' }, { value: 'éé' }], 7);
    expect(requests.map((r) => r.length)).toEqual([1, 1]);
  });

  it('counts a single-valued header', async () => {
    const { producer, requests } = recordingProducer();
    // 'ab' (2) + 'h' (1) + 'cd' (2) = 5 bytes per message: two fit in 10, not in 9.
    const message = { value: 'ab', headers: { h: 'cd' } };
    await sendBounded(producer, 't', [message, message], 10);
    await sendBounded(producer, 't', [message, message], 9);
    expect(requests.map((r) => r.length)).toEqual([2, 1, 1]);
  });

  it('counts a null key and a null value as no bytes', async () => {
    const { producer, requests } = recordingProducer();
    await sendBounded(producer, 't', [{ key: null, value: 'abcd' }, { key: 'k', value: null }, { value: 'abc' }], 8);
    expect(requests.map((r) => r.length)).toEqual([3]);
  });

  it('counts every value of a multi-valued header, and the header name', async () => {
    const { producer, requests } = recordingProducer();
    // 'hdr' (3) + 'ab' (2) + 'cd' (2) = 7 bytes per message: two fit in 14, not in 13.
    const message = { value: null, headers: { hdr: ['ab', Buffer.from('cd')] } };
    await sendBounded(producer, 't', [message, message], 14);
    expect(requests.map((r) => r.length)).toEqual([2]);
    await sendBounded(producer, 't', [message, message], 13);
    expect(requests.slice(1).map((r) => r.length)).toEqual([1, 1]);
  });
});

describe('sendDeadLetters', () => {
  it('sends each letter as JSON, keyed like its source message, with its code in a header', async () => {
    const { producer, requests } = recordingProducer();
    const letter = {
      code: 'FEEDBACK.INVALID',
      reason: 'bad',
      source: { topic: 'chorus.feedback.v1', partition: 3, offset: '17' },
      key: 'user-1',
      value: '{',
      failedAt: '2026-01-01T00:00:00.000Z',
      consumer: 'learner',
    };
    await sendDeadLetters(producer, 'dlq', [letter]);
    expect(requests).toEqual([[{ key: 'user-1', value: JSON.stringify(letter), headers: { 'chorus-error-code': 'FEEDBACK.INVALID' } }]]);
  });
});
