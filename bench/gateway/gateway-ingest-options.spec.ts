import { FEEDBACK_BATCH_LIMIT } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/command-line';
import { batchSizes } from './gateway-ingest-options';

describe('--batch-sizes', () => {
  it('takes whole sizes up to the batch limit, in the order given', () => {
    expect(batchSizes('1,100,1000')).toEqual([1, 100, 1000]);
    expect(batchSizes(`${FEEDBACK_BATCH_LIMIT},7`)).toEqual([FEEDBACK_BATCH_LIMIT, 7]);
  });

  it.each([
    ['0', /\[1, 1000\], got "0"/],
    [`${FEEDBACK_BATCH_LIMIT + 1}`, /got "1001"/],
    ['1.5', /an integer/],
    ['100,', /got ""/],
    ['ten', /got "ten"/],
    ['100,100', /lists a size twice/],
  ])('refuses "%s", naming the flag and what it takes', (text, message) => {
    expect(() => batchSizes(text)).toThrow(UsageError);
    expect(() => batchSizes(text)).toThrow(message);
    expect(() => batchSizes(text)).toThrow(/--batch-sizes/);
  });
});
