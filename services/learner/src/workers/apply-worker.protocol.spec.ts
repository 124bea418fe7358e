import { describe, expect, it } from 'vitest';
import { BatchView, packBatch, transferList } from './apply-worker.protocol';

describe('apply worker protocol', () => {
  const messages = [
    { offset: '7', key: Buffer.from('u-1'), value: Buffer.from('{"a":"é"}') },
    { offset: '8', key: null, value: null },
    { offset: '9', key: Buffer.from(''), value: Buffer.from('') },
    { offset: '10', key: Buffer.from('k'), value: Buffer.from('xyz') },
  ];

  it('packs a batch into four buffers, -1 marking a null key or value', () => {
    const packed = packBatch(3, messages);
    expect(packed.partition).toBe(3);
    expect([...packed.offsets]).toEqual([7, 8, 9, 10]);
    expect([...packed.keyLengths]).toEqual([3, -1, 0, 1]);
    expect([...packed.valueLengths]).toEqual([10, -1, 0, 3]);
    expect(Buffer.from(packed.keyBytes).toString()).toBe('u-1k');
    expect(transferList(packed)).toEqual([packed.offsets.buffer, packed.keyLengths.buffer, packed.keyBytes.buffer, packed.valueLengths.buffer, packed.valueBytes.buffer]);
  });

  it('gives each record back as it was sent: offsets, UTF-8 values, latin1 byte ranges, null and empty kept apart', () => {
    const view = new BatchView(packBatch(3, messages));
    expect(view.length).toBe(4);
    expect([0, 1, 2, 3].map((i) => view.offset(i))).toEqual([7, 8, 9, 10]);
    expect([0, 1, 2, 3].map((i) => view.utf8Value(i))).toEqual(['{"a":"é"}', null, '', 'xyz']);
    expect([0, 1, 2, 3].map((i) => view.hasValue(i))).toEqual([true, false, true, true]);
    expect(view.text.slice(view.valueStartOf(3), view.valueEndOf(3))).toBe('xyz');
    expect([view.valueStartOf(1), view.valueEndOf(1)]).toEqual([10, 10]);
    const records = [0, 1, 2, 3].map((i) => view.record(i));
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['7', 'u-1', '{"a":"é"}'],
      ['8', null, null],
      ['9', '', ''],
      ['10', 'k', 'xyz'],
    ]);
  });
});
