import type { Producer, ProducerRecord } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { emitEvent, KafkaProducerClient } from './kafka-producer.client';

/**
 * The client's own rules, with the kafkajs producer's connect and send recorded in place (no broker here; the
 * services' e2e tests send through it to the real one: feedback-to-model, drift-watch's alerts, the reranker's events).
 */
function recordingClient() {
  const client = new KafkaProducerClient({ clientId: 'spec', brokers: ['127.0.0.1:1'], prefix: 't1.' });
  const producer = client.unwrap<Producer>();
  const sent: ProducerRecord[] = [];
  let connects = 0;
  producer.connect = async () => void connects++;
  producer.send = async (record) => (sent.push(record), []);
  return { client, sent, connects: () => connects };
}

describe('KafkaProducerClient', () => {
  it("emits a topic key's messages to the prefixed topic, connecting once", async () => {
    const { client, sent, connects } = recordingClient();
    await emitEvent(client, 'feedback', [{ key: 'u-1', value: 'a' }, { key: 'u-2', value: 'b' }]);
    await emitEvent(client, 'driftAlerts', [{ key: 'k', value: 'c' }]);
    expect(sent.map((r) => [r.topic, r.messages.map((m) => m.key)])).toEqual([
      ['t1.chorus.feedback.v1', ['u-1', 'u-2']],
      ['t1.chorus.drift-alerts.v1', ['k']],
    ]);
    expect(connects()).toBe(1);
  });

  it('splits a large emit into bounded requests, in order', async () => {
    const { client, sent } = recordingClient();
    const value = 'x'.repeat(200 * 1024);
    await emitEvent(client, 'items', [1, 2, 3, 4].map((n) => ({ key: `i-${n}`, value })));
    expect(sent.map((r) => r.messages.map((m) => m.key))).toEqual([['i-1', 'i-2'], ['i-3', 'i-4']]);
  });

  it('refuses a pattern that names no topic, and data that is not a message array, sending nothing', async () => {
    const { client, sent } = recordingClient();
    await expect(lastValueFrom(client.emit('chorus.feedback.v1', []))).rejects.toThrow('no topic for the pattern "chorus.feedback.v1"; emit to one of feedback, items,');
    await expect(lastValueFrom(client.emit('constructor', []))).rejects.toThrow('no topic for the pattern "constructor"');
    await expect(lastValueFrom(client.emit('feedback', { key: 'u' }))).rejects.toThrow("emit('feedback', messages) takes an array of kafkajs messages");
    expect(sent).toEqual([]);
  });

  it('refuses request-response: an event log has no reply', async () => {
    const { client } = recordingClient();
    await expect(lastValueFrom(client.send('feedback', []))).rejects.toThrow('KafkaProducerClient only emits events; "feedback" was sent as a request');
  });

  it('passes the broker refusing a send to the emitter, and connects again after a failed connect', async () => {
    const { client } = recordingClient();
    const producer = client.unwrap<Producer>();
    producer.send = async () => Promise.reject(new Error('leader not available'));
    await expect(emitEvent(client, 'feedback', [{ value: 'a' }])).rejects.toThrow('leader not available');
    const fresh = recordingClient();
    let attempts = 0;
    fresh.client.unwrap<Producer>().connect = async () => {
      if (attempts++ === 0) throw new Error('broker down');
    };
    await expect(emitEvent(fresh.client, 'feedback', [{ value: 'a' }])).rejects.toThrow('broker down');
    await emitEvent(fresh.client, 'feedback', [{ value: 'a' }]);
    expect([attempts, fresh.sent.length]).toEqual([2, 1]);
  });
});
