import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@chorus/random';
import { StanceExtremity } from './stance-extremity.metric';

function batchMean(xs: number[], lambda: number): number {
  const T = xs.length - 1;
  let num = 0;
  let den = 0;
  xs.forEach((x, t) => {
    num += Math.pow(lambda, T - t) * x;
    den += Math.pow(lambda, T - t);
  });
  return num / den;
}

describe('StanceExtremity', () => {
  it('extremity and user stance equal the batch EW means of |s| and s (tolerance 1e-12)', () => {
    const random = mulberry32(41);
    const metric = new StanceExtremity({ decay: { halfLife: 20 } });
    const lambda = Math.pow(2, -1 / 20);
    const stances: number[] = [];
    for (let t = 0; t < 500; t++) {
      const s = Math.max(-1, Math.min(1, 0.4 + (random() - 0.5) * 1.6));
      stances.push(s);
      metric.observeConsumed(s);
      if (t % 50 === 0) {
        expect(Math.abs((metric.extremity as number) - batchMean(stances.map(Math.abs), lambda))).toBeLessThan(1e-12);
        expect(Math.abs((metric.userStance as number) - batchMean(stances, lambda))).toBeLessThan(1e-12);
      }
    }
  });

  it('separates "loud on both sides" (high extremity, neutral stance) from "one-sided"', () => {
    const both = new StanceExtremity({ decay: { decay: 1 } });
    const oneSided = new StanceExtremity({ decay: { decay: 1 } });
    for (let t = 0; t < 100; t++) {
      both.observeConsumed(t % 2 === 0 ? 0.9 : -0.9);
      oneSided.observeConsumed(0.9);
    }
    expect(both.extremity).toBeCloseTo(0.9, 12);
    expect(both.userStance).toBeCloseTo(0, 12);
    expect(oneSided.extremity).toBeCloseTo(0.9, 12);
    expect(oneSided.userStance).toBeCloseTo(0.9, 12);
  });

  it('n = 0: undefined; n = 1: the value; constant input: constant', () => {
    const metric = new StanceExtremity({ decay: { halfLife: 3 } });
    expect(metric.extremity).toBeUndefined();
    expect(metric.userStance).toBeUndefined();
    metric.observeConsumed(-0.5);
    expect(metric.extremity).toBe(0.5);
    expect(metric.userStance).toBe(-0.5);
    for (let t = 0; t < 100; t++) metric.observeConsumed(-0.5);
    expect(metric.userStance).toBeCloseTo(-0.5, 14);
    expect(metric.eventCount).toBe(101);
  });

  it('rejects NaN and stances outside [−1, 1] without changing state', () => {
    const metric = new StanceExtremity({ decay: { halfLife: 3 } });
    metric.observeConsumed(0.2);
    expect(() => metric.observeConsumed(Number.NaN)).toThrow(/stance must be a finite number/);
    expect(() => metric.observeConsumed(1.5)).toThrow(/\[-1, 1\]/);
    expect(metric.eventCount).toBe(1);
  });

  it('survives a JSON round trip and continues identically; refuses mismatched halves', () => {
    const a = new StanceExtremity({ decay: { halfLife: 8 } });
    [0.1, -0.4, 0.9].forEach((s) => a.observeConsumed(s));
    const b = StanceExtremity.fromJSON(JSON.parse(JSON.stringify(a)));
    a.observeConsumed(0.3);
    b.observeConsumed(0.3);
    expect(b.extremity).toBe(a.extremity);
    expect(b.userStance).toBe(a.userStance);
    const state = a.toJSON();
    const other = new StanceExtremity({ decay: { halfLife: 2 } }).toJSON();
    expect(() => StanceExtremity.fromJSON({ ...state, signed: other.signed })).toThrow(/disagree/);
  });
});
