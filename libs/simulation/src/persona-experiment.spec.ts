import { describe, expect, it } from 'vitest';
import { runPersonaExperiment } from './persona-experiment';
import { SimulationInputError } from './simulation-input.error';

describe('runPersonaExperiment (issue #16 part 2: personas against one deviation)', () => {
  // The default population: 60 single-taste users and 60 households of two opposed tastes (70/30, sessions of ~5),
  // 400 events each, τ² = 4, K = 3. Measured on seed 1: recall 0.049 → 0.119 (×2.42); single-taste AUC 0.835 for
  // both (no single-taste user opened a persona); households 0.704 → 0.709. Seeds 2 and 3: ×2.50 and ×2.84.
  const result = runPersonaExperiment({ seed: 1 });

  it('recalls at least twice as many of the smaller taste’s top items in the top 20', () => {
    expect(result.recall.personas).toBeGreaterThanOrEqual(2 * result.recall.single);
  });

  it('loses no AUC on single-taste users, and none on households', () => {
    expect(result.auc.singleTaste.personas).toBeGreaterThanOrEqual(result.auc.singleTaste.single - 0.001);
    expect(result.auc.households.personas).toBeGreaterThanOrEqual(result.auc.households.single);
  });

  it('opens personas for households, not for single-taste users', () => {
    expect(result.singleTasteOpened).toBeLessThanOrEqual(0.05);
    expect(result.personasPerUser.households).toBeGreaterThan(1.3);
  });

  it('refuses options it cannot run, saying what to change', () => {
    expect(() => runPersonaExperiment({ itemCount: 10 })).toThrow(SimulationInputError);
    expect(() => runPersonaExperiment({ itemCount: 10 })).toThrow(/itemCount is 10; it must be at least 40/);
    expect(() => runPersonaExperiment({ largerShare: 0.2 })).toThrow(/largerShare is 0.2/);
    expect(() => runPersonaExperiment({ categories: 3 })).toThrow(/opposed tastes need at least 4 categories/);
  });
});
