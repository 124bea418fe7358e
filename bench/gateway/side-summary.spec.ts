import { describe, expect, it } from 'vitest';
import { summarise } from './side-summary';

describe('summarise', () => {
  it('divides the median gateway rate by the median raw rate, and gives each round its own ratio', () => {
    const raw = [{ eventsPerSecond: 50_000 }, { eventsPerSecond: 40_000 }, { eventsPerSecond: 60_000 }];
    const gateway = [
      { eventsPerSecond: 20_000, gatewayCpuMicrosPerEvent: 12 },
      { eventsPerSecond: 36_000, gatewayCpuMicrosPerEvent: 9 },
      { eventsPerSecond: 30_000, gatewayCpuMicrosPerEvent: 10 },
    ];
    expect(summarise(100, raw, gateway)).toEqual({
      batchSize: 100,
      rawEventsPerSecond: 50_000,
      gatewayEventsPerSecond: 30_000,
      ratio: 0.6,
      ratioPerRound: [0.4, 0.9, 0.5],
      gatewayCpuMicrosPerEvent: 10,
    });
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => summarise(1, [], [])).toThrow(RangeError);
    expect(() => summarise(1, [{ eventsPerSecond: 1 }], [])).toThrow(/as many raw as gateway rounds/);
  });
});
