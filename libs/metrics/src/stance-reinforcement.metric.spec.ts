import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@chorus/random';
import { StanceReinforcement } from './stance-reinforcement.metric';

describe('StanceReinforcement', () => {
  it('equals the batch EW mean of s_i·σ_u and stays in [−1, 1] (tolerance 1e-12)', () => {
    const random = mulberry32(51);
    const metric = new StanceReinforcement({ decay: { halfLife: 15 } });
    const lambda = Math.pow(2, -1 / 15);
    const products: number[] = [];
    for (let t = 0; t < 500; t++) {
      const item = random() * 2 - 1;
      const user = random() * 2 - 1;
      products.push(item * user);
      metric.observeServed(item, user);
      expect(Math.abs(metric.value as number)).toBeLessThanOrEqual(1);
      if (t % 25 !== 0) continue;
      const T = products.length - 1;
      let num = 0;
      let den = 0;
      products.forEach((a, i) => {
        num += Math.pow(lambda, T - i) * a;
        den += Math.pow(lambda, T - i);
      });
      expect(Math.abs((metric.value as number) - num / den)).toBeLessThan(1e-12);
    }
  });

  it('is 1 for a one-sided feed to a one-sided user, 0 for a neutral user, < 0 for counter-attitudinal feeds', () => {
    const echo = new StanceReinforcement({ decay: { halfLife: 10 } });
    const neutralUser = new StanceReinforcement({ decay: { halfLife: 10 } });
    const counter = new StanceReinforcement({ decay: { halfLife: 10 } });
    for (let t = 0; t < 50; t++) {
      echo.observeServed(-1, -1);
      neutralUser.observeServed(t % 2 === 0 ? 1 : -1, 0);
      counter.observeServed(-0.8, 0.6);
    }
    expect(echo.value).toBeCloseTo(1, 14);
    expect(neutralUser.value).toBe(0);
    expect(counter.value).toBeCloseTo(-0.48, 14);
  });

  it('n = 0: undefined; rejects NaN and out-of-range stances; round-trips through JSON', () => {
    const metric = new StanceReinforcement({ decay: { halfLife: 10 } });
    expect(metric.value).toBeUndefined();
    expect(() => metric.observeServed(Number.NaN, 0.5)).toThrow(/itemStance/);
    expect(() => metric.observeServed(0.5, 2)).toThrow(/userStance/);
    metric.observeServed(0.5, 0.5);
    expect(metric.value).toBe(0.25);
    const copy = StanceReinforcement.fromJSON(JSON.parse(JSON.stringify(metric)));
    copy.observeServed(1, 1);
    metric.observeServed(1, 1);
    expect(copy.value).toBe(metric.value);
    expect(copy.eventCount).toBe(2);
  });
});
