import { describe, expect, it } from 'vitest';
import { alertNoise, alertNoiseReading } from './alert-noise';

// Worked by hand: a user-round of the audit is 15,400 / (120 × 24) = 5.34722 events, so the calibrated rates
// 0 / 2 / 4.85 per 1,000 user-rounds are 0 / 0.374026 / 0.907013 per 1,000 user-events; over 10,000 watched
// user-events that is 0 / 3.740 / 9.070 alarms. Population: 0 false alarms in 176 quiet buckets bounds the rate at
// 3 / 176 per bucket (rule of three), so over 176 buckets at most 3.
const exposure = { watchedUserEvents: 10_000, userMinEvents: 30, populationPoints: 500, populationBuckets: 176, bucketSeconds: 3600 };

describe('alertNoise', () => {
  it('scales the calibrated false-alarm rates to the replay’s exposure', () => {
    const [user, population] = alertNoise([{ scope: 'user', metric: 'consumption-entropy', n: 5 }, { scope: 'population', metric: 'mean-consumption-entropy', n: 3 }], exposure);
    expect(user!.expectedNoise.low).toBe(0);
    expect(user!.expectedNoise.typical).toBeCloseTo(3.740, 3);
    expect(user!.expectedNoise.high).toBeCloseTo(9.070, 3);
    expect(population!.expectedNoise).toEqual({ low: 0, typical: null, high: 3 });
    expect([user!.verdict, population!.verdict]).toEqual(['within noise', 'within noise']);
  });

  it('calls counts above the high end signal, sums a scope’s metrics, and says when none was raised', () => {
    const rows = alertNoise(
      [
        { scope: 'user', metric: 'consumption-entropy', n: 6 },
        { scope: 'user', metric: 'exposure-entropy', n: 4 },
        { scope: 'population', metric: 'mean-consumption-entropy', n: 4 },
        { scope: 'segment', metric: 'mean-consumption-entropy', n: 99 },
      ],
      exposure,
    );
    expect(rows.map((row) => [row.scope, row.observed, row.verdict])).toEqual([
      ['user', 10, 'above noise'],
      ['population', 4, 'above noise'],
    ]);
    expect(alertNoise([], exposure).map((row) => row.verdict)).toEqual(['none raised', 'none raised']);
  });

  it('states the verdict with the numbers', () => {
    const reading = alertNoiseReading(alertNoise([{ scope: 'user', metric: 'consumption-entropy', n: 5 }, { scope: 'population', metric: 'x', n: 3 }], exposure));
    expect(reading[0]).toBe(
      'User alerts: 5 over 10,000 user-events past the 30-event gate. On stationary stretches the audit\'s detectors raised 0–4.85 false narrowing alarms per 1,000 user-rounds (typically ~2; a user-round was 5.3 events), so noise alone would give 0–9 here (typically 4): these alerts are within what noise gives — read them as noise.',
    );
    expect(reading[1]).toMatch(/^Population alerts: 3 over 176 3600-s buckets of event time\. .* bounds the false-alarm rate at 1\.7% of buckets \(95%\), up to 3 alarms here: the calibration cannot tell these from noise/);
    expect(alertNoiseReading(alertNoise([], exposure))).toEqual(['User alerts: none over 10,000 user-events past the 30-event gate.', 'Population alerts: none over 176 3600-s buckets of event time.']);
  });
});
