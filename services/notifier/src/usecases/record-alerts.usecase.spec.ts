import { describe, expect, it } from 'vitest';
import { alertUuid, driftAlert } from '../testing/alert-fixtures';
import { InMemoryAlerts, InMemoryDeliveries, recordingLogger, RecordingQueue } from '../testing/in-memory-ports';
import { DispatchDeliveriesUseCase } from './dispatch-deliveries.usecase';
import { RecordAlertsUseCase } from './record-alerts.usecase';

function setup() {
  const alerts = new InMemoryAlerts();
  const queue = new RecordingQueue();
  const { lines, logger } = recordingLogger();
  const dispatcher = new DispatchDeliveriesUseCase(queue, new InMemoryDeliveries(), logger.child('dispatch'));
  const record = new RecordAlertsUseCase(alerts, dispatcher, 4, { topic: 't.chorus.drift-alerts.v1', consumer: 'notifier' }, logger.child('alerts'));
  return { alerts, queue, lines, record };
}

const message = (offset: number, value: string | null) => ({ partition: 2, offset: String(offset), key: 'user:news:u-1', value });

describe('RecordAlertsUseCase', () => {
  it('stores valid alerts with their source position, dispatches their deliveries, and logs each stored alert', async () => {
    const { alerts, queue, lines, record } = setup();
    const outcome = await record.record([message(10, JSON.stringify(driftAlert(1))), message(11, JSON.stringify(driftAlert(2)))]);
    expect([outcome.stored.map((s) => s.alertId), outcome.duplicates, outcome.deadLetters]).toEqual([[alertUuid(1), alertUuid(2)], 0, []]);
    expect(alerts.stores.map((s) => [s.maxAttempts, s.alerts.map((a) => [a.partition, a.offset, a.body])])).toEqual([
      [4, [[2, '10', JSON.stringify(driftAlert(1))], [2, '11', JSON.stringify(driftAlert(2))]]],
    ]);
    expect(queue.batches).toEqual([[{ deliveryId: 'delivery-1', jobId: `alert.sub-1.${alertUuid(1)}` }, { deliveryId: 'delivery-2', jobId: `alert.sub-1.${alertUuid(2)}` }]]);
    expect(lines.filter((l) => l.message === 'alert stored').map((l) => [l.alertId, l.seq, l.deliveries])).toEqual([
      [alertUuid(1), '1', 1],
      [alertUuid(2), '2', 1],
    ]);
  });

  it('a replayed alert changes nothing', async () => {
    const { record, queue } = setup();
    await record.record([message(10, JSON.stringify(driftAlert(1)))]);
    const again = await record.record([message(10, JSON.stringify(driftAlert(1)))]);
    expect([again.stored, again.duplicates, again.deliveries]).toEqual([[], 1, []]);
    expect(queue.batches.length).toBe(1);
  });

  it('invalid messages become dead letters naming the fields and the source, committed with the valid ones', async () => {
    const { record, alerts } = setup();
    const outcome = await record.record([message(20, '{not json'), message(21, JSON.stringify({ ...driftAlert(3), severity: 'apocalyptic' })), message(22, null), message(23, JSON.stringify(driftAlert(4)))]);
    expect(outcome.stored.map((s) => s.alertId)).toEqual([alertUuid(4)]);
    expect(outcome.deadLetters.map((d) => [d.code, d.source.offset, d.issues?.map((i) => i.path)])).toEqual([
      ['ALERT.INVALID', '20', ['(root)']],
      ['ALERT.INVALID', '21', ['severity']],
      ['ALERT.INVALID', '22', ['(root)']],
    ]);
    expect(outcome.deadLetters[0]).toMatchObject({ source: { topic: 't.chorus.drift-alerts.v1', partition: 2, offset: '20' }, consumer: 'notifier', key: 'user:news:u-1', value: '{not json', reason: 'the message is not a valid chorus.drift-alerts.v1 alert' });
    // In the store call that holds the valid alert: one transaction, so the letters are committed once, with it.
    expect(alerts.stores).toHaveLength(1);
    expect(alerts.letters).toEqual(outcome.deadLetters);
  });

  it('an alert Postgres refused is an ALERT.UNSTORABLE dead letter with the reason, committed alone', async () => {
    const { record, alerts } = setup();
    const letter = await record.refuse(message(30, JSON.stringify(driftAlert(5))), Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }));
    expect(alerts.letters).toEqual([letter]);
    expect(alerts.alerts).toEqual([]);
    expect([letter.code, letter.source.offset]).toEqual(['ALERT.UNSTORABLE', '30']);
    expect(letter.reason).toContain('invalid byte sequence for encoding "UTF8": 0x00');
  });
});
