import type { DeadLetterV1 } from '@chorus/contracts';
import type { Message, Producer } from 'kafkajs';

/**
 * Bytes of keys, values and headers per produce request. The broker refuses a request whose record batch for one
 * partition is larger than the topic's `max.message.bytes` (1 MiB by default), and refuses it whole: a burst of dead
 * letters or a large item import sent as one request would fail on every retry. Half the default leaves room for
 * record overhead and for brokers configured lower.
 */
export const PRODUCE_REQUEST_MAX_BYTES = 512 * 1024;

/**
 * `producer.send` in consecutive requests of at most `maxBytes` of payload each, in the messages' order (so per-key
 * order holds). A single message larger than `maxBytes` goes alone. Requests are sent one after another: if one fails,
 * the earlier ones stay sent and the error propagates, so callers must be at-least-once (every caller here is).
 */
export async function sendBounded(producer: Pick<Producer, 'send'>, topic: string, messages: readonly Message[], maxBytes = PRODUCE_REQUEST_MAX_BYTES): Promise<void> {
  let start = 0;
  while (start < messages.length) {
    let end = start;
    let bytes = 0;
    while (end < messages.length) {
      const size = payloadBytes(messages[end]!);
      if (end > start && bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    await producer.send({ topic, messages: messages.slice(start, end) });
    start = end;
  }
}

/** Bytes of a message's key, value and headers: what counts against a produce request's size. */
export function payloadBytes(message: Message): number {
  let bytes = sizeOf(message.key) + sizeOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name);
    for (const part of Array.isArray(value) ? value : [value]) bytes += sizeOf(part);
  }
  return bytes;
}

function sizeOf(data: Buffer | string | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** Dead letters to a DLQ topic, keyed like their source message and with their code in a header, in bounded requests. */
export function sendDeadLetters(producer: Producer, topic: string, letters: readonly DeadLetterV1[]): Promise<void> {
  return sendBounded(
    producer,
    topic,
    letters.map((letter) => ({ key: letter.key, value: JSON.stringify(letter), headers: { 'chorus-error-code': letter.code } })),
  );
}
