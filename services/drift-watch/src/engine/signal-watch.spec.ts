import { BUILT_IN_DRIFT_CONFIG, type DriftDetectorConfigBodyV1, type EffectiveDriftConfig } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { SignalWatch, type Detection } from './signal-watch';

const effective = (config: Partial<DriftDetectorConfigBodyV1>, changeId = 1, version = 3): EffectiveDriftConfig => ({
  metric: 'exposure-entropy',
  domain: 'news',
  config: { ...BUILT_IN_DRIFT_CONFIG['exposure-entropy'], ...config } as DriftDetectorConfigBodyV1,
  version,
  changeId,
  source: 'domain',
});

/** Feeds values at one per minute from t = 0 and returns the detections with the index they happened at. */
function run(watch: SignalWatch, values: number[], from = 0): { index: number; detection: Detection }[] {
  const out: { index: number; detection: Detection }[] = [];
  values.forEach((value, i) => {
    const detection = watch.observe(value, (from + i) * 60_000);
    if (detection) out.push({ index: from + i, detection });
  });
  return out;
}

const step = (before: number, after: number, at: number, length: number) => Array.from({ length }, (_, i) => (i < at ? before : after));

describe('SignalWatch', () => {
  const pageHinkleyDown = { detector: 'PageHinkley' as const, params: { minInstances: 10, delta: 0.01, threshold: 1, mode: 'down' as const }, direction: 'down' as const, harmful: true, criticalChange: 0.3, referenceSize: 5 };

  it('reports a drop watched as "down" as harmful, with the baseline of the first observations and the window since the start', () => {
    const found = run(SignalWatch.create(effective(pageHinkleyDown)), step(0.9, 0.4, 40, 60));
    expect(found).toHaveLength(1);
    const { index, detection } = found[0]!;
    expect(index).toBeGreaterThanOrEqual(40);
    expect(index).toBeLessThan(45);
    expect(detection).toEqual({
      value: 0.4,
      baseline: 0.9,
      direction: 'down',
      watched: true,
      harmful: true,
      severity: 'critical',
      detector: 'PageHinkley',
      configVersion: 3,
      windowStartMs: 0,
      windowEndMs: index * 60_000,
      observations: index + 1,
    });
  });

  it('grades a change smaller than criticalChange as a warning, and a non-harmful domain as an expected change', () => {
    const warning = run(SignalWatch.create(effective(pageHinkleyDown)), step(0.9, 0.7, 40, 80));
    expect(warning[0]!.detection).toMatchObject({ severity: 'warning', harmful: true });
    const expected = run(SignalWatch.create(effective({ ...pageHinkleyDown, harmful: false })), step(0.9, 0.4, 40, 60));
    expect(expected[0]!.detection).toMatchObject({ watched: true, harmful: false });
  });

  it('does not count a change in the other direction (River mode "both", watched direction "down")', () => {
    const found = run(SignalWatch.create(effective({ ...pageHinkleyDown, params: { ...pageHinkleyDown.params, mode: 'both' } })), step(0.4, 0.9, 40, 60));
    expect(found).toHaveLength(1);
    expect(found[0]!.detection).toMatchObject({ direction: 'up', watched: false, harmful: false });
  });

  it('starts a new segment after a drift: new baseline, new window, so one change is one detection', () => {
    const found = run(SignalWatch.create(effective(pageHinkleyDown)), [...step(0.9, 0.4, 40, 100), ...step(0.4, 0.1, 20, 60)]);
    expect(found).toHaveLength(2);
    const second = found[1]!.detection;
    expect(second.baseline).toBe(0.4);
    expect(second.windowStartMs).toBe((found[0]!.index + 1) * 60_000);
    expect(second.observations).toBe(found[1]!.index - found[0]!.index);
  });

  it('feeds binary detectors the bit "beyond binaryThreshold in the watched direction"', () => {
    const ddm = effective({ detector: 'DDM', params: { warmStart: 30 }, direction: 'up', binaryThreshold: 1.5, criticalChange: 1, referenceSize: 30 });
    // Values oscillate around 1.0 (never beyond 1.5), then often exceed it.
    const values = Array.from({ length: 400 }, (_, i) => (i < 200 ? 1 + 0.3 * Math.sin(i) : i % 3 === 0 ? 1 : 2));
    const found = run(SignalWatch.create(ddm), values);
    expect(found.length).toBeGreaterThan(0);
    // Nothing while every value is below the threshold; DDM with an error-free history (s_min = 0) fires on the first 1.
    expect(found[0]!.index).toBe(200);
    expect(found[0]!.detection).toMatchObject({ detector: 'DDM', direction: 'up', watched: true, harmful: true });
  });

  it('restored from JSON, continues exactly as the original; under a changed configuration it starts over', () => {
    const values = [...step(0.9, 0.5, 60, 120), ...step(0.5, 0.2, 30, 90)];
    const config = effective({ detector: 'ADWIN', params: { delta: 0.01, clock: 4 }, direction: 'down', criticalChange: 0.3, referenceSize: 10 });
    const original = SignalWatch.create(config);
    run(original, values.slice(0, 100));
    const restored = SignalWatch.restore(JSON.parse(JSON.stringify(original.toJSON())), config);
    expect(run(restored, values.slice(100), 100)).toEqual(run(original, values.slice(100), 100));
    expect(restored.toJSON()).toEqual(original.toJSON());

    const changed = SignalWatch.restore(JSON.parse(JSON.stringify(original.toJSON())), effective(config.config, 2));
    expect(changed.toJSON()).toEqual(SignalWatch.create(effective(config.config, 2)).toJSON());
  });
});
