import { describe, expect, it } from 'vitest';
import { textTable } from './text-table';

describe('textTable', () => {
  it('right-aligns every column to its widest cell, header included', () => {
    expect(textTable(['n', 'rate'], [['1', '12,345'], ['1,000', '7']])).toBe(
      ['|     n |   rate |', '|-------|--------|', '|     1 | 12,345 |', '| 1,000 |      7 |'].join('\n'),
    );
  });

  it('is the header and its rule alone when there are no rows', () => {
    expect(textTable(['a', 'bb'], [])).toBe('| a | bb |\n|---|----|');
  });
});
