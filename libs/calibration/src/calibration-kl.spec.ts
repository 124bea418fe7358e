import { describe, expect, it } from 'vitest';
import { calibrationKl, DEFAULT_ALPHA } from './calibration-kl';

describe('calibrationKl', () => {
  it('is 0 for a perfectly calibrated list, whatever α', () => {
    expect(calibrationKl({ A: 0.7, B: 0.3 }, { A: 7, B: 3 }, 0.01)).toBeCloseTo(0, 14);
    expect(calibrationKl({ A: 0.7, B: 0.3 }, { A: 0.7, B: 0.3 }, 0.5)).toBeCloseTo(0, 14);
  });

  it('matches the formula by hand: 70/30 profile, all-A list, natural log', () => {
    // q = (1, 0); q̃ = 0.99·q + 0.01·p = (0.997, 0.003)
    const expected = 0.7 * Math.log(0.7 / 0.997) + 0.3 * Math.log(0.3 / 0.003);
    expect(calibrationKl({ A: 0.7, B: 0.3 }, { A: 10 }, 0.01)).toBeCloseTo(expected, 14);
    expect(expected).toBeCloseTo(1.133_982, 6);
  });

  it('is −ln α when the list has none of the profile’s categories (the finite cap α buys)', () => {
    expect(calibrationKl({ A: 1 }, { B: 3 }, 0.01)).toBeCloseTo(-Math.log(0.01), 14);
    expect(calibrationKl({ A: 0.4, B: 0.6 }, { C: 1 }, 0.2)).toBeCloseTo(-Math.log(0.2), 14);
  });

  it('takes summed mass or the mean alike (it normalises the mass by its total)', () => {
    const profile = { A: 0.5, B: 0.3, C: 0.2 };
    expect(calibrationKl(profile, { A: 2, B: 1, D: 1 })).toBeCloseTo(calibrationKl(profile, { A: 0.5, B: 0.25, D: 0.25 }), 14);
  });

  it('categories outside the profile dilute q but add no term; α defaults to 0.01', () => {
    const withExtra = calibrationKl({ A: 1 }, { A: 1, Z: 1 });
    expect(withExtra).toBeCloseTo(Math.log(1 / (0.99 * 0.5 + 0.01)), 14);
    expect(DEFAULT_ALPHA).toBe(0.01);
  });

  it('rejects α outside (0, 1), a profile that is not a distribution and empty or negative mass', () => {
    expect(() => calibrationKl({ A: 1 }, { A: 1 }, 0)).toThrow(/alpha must be a number in the open interval \(0, 1\).*Got 0/);
    expect(() => calibrationKl({ A: 1 }, { A: 1 }, 1)).toThrow(RangeError);
    expect(() => calibrationKl({ A: 1 }, { A: 1 }, NaN)).toThrow(/Got NaN/);
    expect(() => calibrationKl({ A: 0.5 }, { A: 1 })).toThrow(/profile must sum to 1/);
    expect(() => calibrationKl({ A: 1 }, {})).toThrow(/total mass 0: an empty list/);
    expect(() => calibrationKl({ A: 1 }, { A: -1, B: 2 })).toThrow(/category "A" has mass -1/);
  });
});
