import { gaussian, mulberry32 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { BorrowingEvidence, DEFAULT_BORROWING_GUARD } from './borrowing-guard';

const ON = { ...DEFAULT_BORROWING_GUARD, enabled: true };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * A planted user: each event's true logit is the aggregate's plus the user's taste on the item's genre; the donor's
 * deviation is the user's taste times `likeness` (1: the same taste, 0: no deviation, −1: the opposite) plus noise of
 * sd `noise`. The guard sees the aggregate's logit and the borrowed one, and the user's outcome.
 */
function plantedEvidence(events: number, likeness: number, noise = 0, seed = 3): BorrowingEvidence {
  const random = mulberry32(seed);
  const taste = [2, -2, 1.5, -1];
  const donor = taste.map((t) => likeness * t + noise * gaussian(random));
  const evidence = new BorrowingEvidence();
  for (let i = 0; i < events; i++) {
    const genre = Math.floor(random() * taste.length);
    const aggregate = 0.5 * gaussian(random);
    const y = random() < sigmoid(aggregate + taste[genre]!) ? 1 : 0;
    evidence.record(aggregate, aggregate + donor[genre]!, y);
  }
  return evidence;
}

describe('BorrowingEvidence: the cold-start borrowing guard', () => {
  it('is off by default: it never borrows, even a donor with the user’s own taste', () => {
    const decision = plantedEvidence(200, 1).decide();
    expect(decision).toMatchObject({ borrow: false, reason: 'disabled' });
    expect(decision.lowerBound).toBeGreaterThan(0); // the evidence was there; only the switch was off
  });

  it('borrows a donor with the user’s taste once the user’s own events show it, and not before', () => {
    expect(plantedEvidence(4, 1).decide(ON)).toMatchObject({ borrow: false, reason: 'too-few-events', events: 4 });
    const decision = plantedEvidence(40, 1).decide(ON);
    expect(decision).toMatchObject({ borrow: true, reason: 'better-beyond-uncertainty', events: 40 });
    expect(decision.meanGain).toBeGreaterThan(0);
  });

  it('never borrows a donor with the opposite taste, nor one that deviates nowhere (no better than the aggregate)', () => {
    for (const events of [10, 40, 400]) {
      expect(plantedEvidence(events, -1).decide(ON), `opposite, ${events} events`).toMatchObject({ borrow: false, reason: 'not-better-beyond-uncertainty' });
      const flat = plantedEvidence(events, 0).decide(ON);
      expect(flat, `flat donor, ${events} events`).toMatchObject({ borrow: false, meanGain: 0, lowerBound: 0 });
    }
  });

  it('does not borrow a near miss whose gain is within its uncertainty (a weak, noisy donor on few events)', () => {
    // A donor with a sixth of the user's taste and noise: a small positive gain on average, not yet beyond its sd/√n.
    const weak = plantedEvidence(8, 1 / 6, 0.5, 11).decide(ON);
    expect(weak.borrow).toBe(false);
    expect(weak.lowerBound).toBeLessThanOrEqual(0);
  });

  it('computes the lower bound as mean − z·sd/√n of the per-event gain (worked by hand)', () => {
    const evidence = new BorrowingEvidence();
    // y = 1 with logits 0 (loss log 2) and ln 3 (loss log(4/3)): gain log(3/2); y = 0 with 0 and ln 3: gain log 2 − log 4 = −log 2.
    evidence.record(0, Math.log(3), 1);
    evidence.record(0, Math.log(3), 1);
    evidence.record(0, Math.log(3), 0);
    const gains = [Math.log(1.5), Math.log(1.5), -Math.log(2)];
    const mean = (gains[0]! + gains[1]! + gains[2]!) / 3;
    const sd = Math.sqrt(gains.reduce((s, g) => s + (g - mean) ** 2, 0) / 2);
    const decision = evidence.decide({ enabled: true, minEvents: 3, z: 1 });
    expect(decision.meanGain).toBeCloseTo(mean, 12);
    expect(decision.lowerBound).toBeCloseTo(mean - sd / Math.sqrt(3), 12);
    expect(decision.borrow).toBe(false);
  });

  it('refuses inputs and options it cannot judge by, naming them', () => {
    const evidence = new BorrowingEvidence();
    expect(() => evidence.record(NaN, 0, 1)).toThrow(/logits NaN and 0/);
    expect(() => evidence.record(0, 0, 2)).toThrow(/label 2/);
    expect(() => evidence.record(0, 0, 1, 0)).toThrow(/weight 0/);
    expect(() => evidence.decide({ enabled: true, minEvents: 1, z: 1.645 })).toThrow(/minEvents 1/);
    expect(() => evidence.decide({ enabled: true, minEvents: 5, z: -1 })).toThrow(/z -1/);
  });
});
