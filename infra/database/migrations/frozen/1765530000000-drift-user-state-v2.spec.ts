import { ADWIN } from '@chorus/drift';
import { stableHash53 } from '@chorus/random';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredUserDriftState, StoredUserDriftStateV1 } from '../../../../services/drift-watch/src/engine/user-drift-state';
import { decodeUserState, downgradeUserState, encodeUserState, upgradeUserState } from '../../../../services/drift-watch/src/engine/user-state.codec';
import { driftCatalogue, interleave, userStream } from '../../../../services/drift-watch/src/testing/drift-stream.fixture';
import { EngineHarness } from '../../../../services/drift-watch/src/testing/engine-harness';
import { decodeDriftUserStateV2, encodeDriftUserStateV2, type DriftUserStateV1 } from './1765530000000-drift-user-state-v2';

/**
 * The migration's frozen copy against drift-watch's live codec (services/drift-watch/src/engine/user-state.codec.ts),
 * an independent writing of the same layout: what the migration wrote must read the same through the live codec
 * (`up`), and what drift-watch writes must read the same through the copy (`down` meets rows written since).
 */

const number = fc.double({ noNaN: true, noDefaultInfinity: true });
const nullable = fc.option(number, { nil: null });
const metric = fc.constantFrom('exposure-entropy', 'consumption-entropy', 'miscalibration', 'personal-divergence', 'stance-extremity', 'stance-reinforcement');
const perMetric = <T>(value: fc.Arbitrary<T>) => fc.dictionary(metric, value, { maxKeys: 6 });
const mean = fc.record({ kind: fc.constant('exponential-mean' as const), version: fc.constant(1 as const), decay: number, weightedSum: number, weight: number, count: number });
const mix = fc.option(
  fc.integer({ min: 1, max: 12 }).chain((categoryCount) =>
    fc.record({
      kind: fc.constant('exponential-category-mix' as const),
      version: fc.constant(1 as const),
      categoryCount: fc.constant(categoryCount),
      decay: number,
      normalizer: fc.constantFrom('total' as const, 'seen' as const),
      mass: fc.array(number, { minLength: categoryCount, maxLength: categoryCount }),
      eventCount: number,
    }),
  ),
  { nil: null },
);
const pageHinkley = fc.record({
  kind: fc.constant('PageHinkley' as const),
  version: fc.constant(1 as const),
  params: fc.record({ minInstances: number, delta: number, threshold: number, alpha: number, mode: fc.constantFrom('up' as const, 'down' as const, 'both' as const) }),
  state: fc.record({
    mean: fc.record({ n: number, mean: number }),
    sumIncrease: number,
    sumDecrease: number,
    minIncrease: fc.oneof(number, fc.constantFrom('Infinity' as const, '-Infinity' as const)),
    maxDecrease: number,
    drift: fc.boolean(),
  }),
});
// Detectors other than Page–Hinkley are stored as their JSON (strings of whole code points: what jsonb keeps).
const otherDetector = fc.record({ kind: fc.constantFrom('ADWIN', 'KSWIN'), version: fc.constant(1), state: fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 2 }) });
const watch = fc.record({ c: number, d: fc.oneof(pageHinkley, otherDetector), rs: number, rn: number, t0: nullable, n: number, r: fc.boolean() });

/** Version 2 as drift-watch writes it, the window as hashes (53-bit integers). */
const v2: fc.Arbitrary<StoredUserDriftState> = fc
  .record({
    v: fc.constant(2 as const),
    events: number,
    exposureMix: mix,
    consumptionMix: mix,
    miscalibration: mean,
    stance: fc.record({ kind: fc.constant('stance-extremity' as const), version: fc.constant(1 as const), absolute: mean, signed: mean }),
    reinforcement: fc.record({ kind: fc.constant('stance-reinforcement' as const), version: fc.constant(1 as const), mean }),
    divergenceAt: number,
    watches: perMetric(watch),
    last: perMetric(number),
    recent: fc.array(fc.maxSafeNat(), { maxLength: 64 }),
    popStance: nullable,
    bucket: nullable,
    contrib: perMetric(number),
  })
  .map((s) => s as StoredUserDriftState);

/** Version 1, the JSON document: the window's ids in clear, or `h:<hex>` where a down migration wrote hashes back. */
const v1: fc.Arbitrary<DriftUserStateV1> = fc
  .tuple(v2, fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.uuid(), fc.maxSafeNat().map((h) => `h:${h.toString(16)}`)), { maxLength: 64 }))
  .map(([s, recent]) => asJson({ ...s, v: 1, recent }) as unknown as DriftUserStateV1);

// Plain JSON values, as the migration reads them from jsonb and writes them back (toEqual compares the document).
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const live = (s: DriftUserStateV1) => s as unknown as StoredUserDriftStateV1;

/** States the engine really writes (Page–Hinkley watches mid-detection, mixes, stances), the window of real ids. */
function engineStates(): DriftUserStateV1[] {
  const scenarios = [
    { userId: 'narrowing', seed: 1, narrow: { category: 'politics' as const, from: 15, to: 30 } },
    { userId: 'camp', seed: 2, camp: { side: -1 as const, from: 15, to: 30 } },
    { userId: 'new', seed: 3, rounds: 2 },
  ];
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000, minEvents: 10 });
  harness.run(interleave(scenarios.map((s) => userStream({ domain: 'news', rounds: 60, startMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 60_000, ...s }))));
  const adwin = new ADWIN();
  for (let i = 0; i < 50; i++) adwin.update(i % 7);
  return scenarios.map(({ userId }, u) => {
    const state = harness.state.user(userId, 'news').toJSON();
    const watches = u === 1 ? { ...state.watches, miscalibration: { c: 2, d: adwin.toJSON(), rs: 1, rn: 2, t0: null, n: 50, r: true } } : state.watches;
    return asJson({ ...state, watches, v: 1, recent: [`event-${u}`, `list:front-${u}`, 'h:1f'] }) as unknown as DriftUserStateV1;
  });
}

describe('migration DriftUserStateBinary’s frozen version-2 encoding', () => {
  it('writes bytes the live codec reads to the same state (states the engine writes)', () => {
    const states = engineStates();
    expect(new Set(states.flatMap((s) => Object.keys(s.watches))).size).toBeGreaterThanOrEqual(4);
    for (const s of states) expect(decodeUserState(encodeDriftUserStateV2(s))).toEqual(upgradeUserState(live(s), stableHash53));
  });

  it('writes bytes the live codec reads to the same state (any state), ids hashed as drift-watch hashes them', () => {
    fc.assert(
      fc.property(v1, (s) => {
        expect(asJson(decodeUserState(encodeDriftUserStateV2(s)))).toEqual(asJson(upgradeUserState(live(s), stableHash53)));
      }),
    );
  });

  it('reads what the live codec writes as the JSON drift-watch read before (down), and what it wrote itself', () => {
    fc.assert(
      fc.property(v2, (s) => {
        expect(asJson(decodeDriftUserStateV2(encodeUserState(s)))).toEqual(asJson(downgradeUserState(s)));
      }),
    );
    fc.assert(
      fc.property(v1, (s) => {
        const down = decodeDriftUserStateV2(encodeDriftUserStateV2(s));
        expect(asJson(down)).toEqual({ ...s, recent: upgradeUserState(live(s), stableHash53).recent.map((hash) => `h:${hash.toString(16)}`) });
        // Up again after down gives the same bytes: the `h:<hex>` ids are taken back as the hashes they spell.
        expect(encodeDriftUserStateV2(asJson(down))).toEqual(encodeDriftUserStateV2(s));
      }),
    );
  });

  it('refuses bytes that are not version 2, cut short, overlong or of unknown encodings, naming what is wrong', () => {
    const [s] = engineStates();
    const bytes = encodeDriftUserStateV2(s!);
    expect(() => decodeDriftUserStateV2(Buffer.from('{"v":1}'))).toThrow(/version 123; .*converts version 2/);
    expect(() => decodeDriftUserStateV2(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated at byte \d+ of \d+ \(corrupt bytes/);
    expect(() => decodeDriftUserStateV2(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(/1 bytes left over/);
    const plain = encodeDriftUserStateV2({ ...s!, exposureMix: null, consumptionMix: null, last: {}, contrib: {}, recent: [], watches: {} });
    // The exposure mix's u16 G sits after the version, 4 doubles and 4 means of 4 doubles: G = 1, normalizer 9.
    const mixAt = 1 + 8 * 4 + 8 * 16;
    expect(() => decodeDriftUserStateV2(Buffer.concat([plain.subarray(0, mixAt), Buffer.of(1, 0, 9), plain.subarray(mixAt + 2)]))).toThrow(/entropy normalizer 9 is none of total, seen/);
    const watched = encodeDriftUserStateV2({ ...s!, watches: { miscalibration: { c: 0, d: { kind: 'ADWIN' }, rs: 0, rn: 0, t0: null, n: 0, r: false } } });
    const encodingAt = watched.indexOf(Buffer.from('{"kind"')) - 5;
    expect(watched[encodingAt]).toBe(2);
    expect(() => decodeDriftUserStateV2(Buffer.concat([watched.subarray(0, encodingAt), Buffer.of(7), watched.subarray(encodingAt + 1)]))).toThrow(/detector encoding 7 is neither/);
  });
});
