import { ADWIN, PageHinkley } from '@chorus/drift';
import { stableHash53 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';
import { UserDriftState, type StoredUserDriftState, type StoredUserDriftStateV1 } from './user-drift-state';
import { decodeUserState, downgradeUserState, encodeUserState, upgradeUserState } from './user-state.codec';

/** States the engine really writes: users that narrow, drift into a stance camp or stay put, mid-detection. */
function engineStates(): StoredUserDriftState[] {
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000, minEvents: 10 });
  const base = { domain: 'news', rounds: 80, startMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 60_000 };
  harness.run(
    interleave([
      userStream({ ...base, userId: 'narrowing', seed: 1, narrow: { category: 'politics', from: 20, to: 40 } }),
      userStream({ ...base, userId: 'camp', seed: 2, camp: { side: -1, from: 20, to: 40 } }),
      userStream({ ...base, userId: 'steady', seed: 3 }),
      userStream({ ...base, userId: 'new', seed: 4, rounds: 2 }),
    ]),
  );
  return ['narrowing', 'camp', 'steady', 'new'].map((u) => harness.state.user(u, 'news').toJSON());
}

describe('user state codec (drift_user_state.state, version 2)', () => {
  const states = engineStates();

  it('gives back exactly the state it was given, for every state the engine writes', () => {
    // Every signal but personal divergence (it needs the learner's b_u) has a detector on some user.
    expect(new Set(states.flatMap((s) => Object.keys(s.watches))).size).toBe(5);
    expect(states.some((s) => s.popStance !== null && s.bucket !== null)).toBe(true);
    for (const state of states) {
      const bytes = encodeUserState(state);
      expect(decodeUserState(bytes)).toEqual(state);
      expect(encodeUserState(decodeUserState(bytes))).toEqual(bytes);
    }
  });

  it('a user restored from it carries on exactly as the original', () => {
    const [narrowing] = states;
    const restored = UserDriftState.restore('narrowing', 'news', 25, decodeUserState(encodeUserState(narrowing!)));
    expect(restored.toJSON()).toEqual(narrowing);
  });

  it('is several times smaller than the JSON it replaces', () => {
    for (const state of states.slice(0, 3)) {
      const json = JSON.stringify(downgradeUserState(state));
      expect(encodeUserState(state).length).toBeLessThan(json.length / 2);
    }
  });

  it('keeps infinite Page–Hinkley minima, absent values, and detectors other than Page–Hinkley (as JSON)', () => {
    const adwin = new ADWIN();
    for (let i = 0; i < 50; i++) adwin.update(i % 7);
    const fresh = new PageHinkley().toJSON();
    expect(fresh.state.minIncrease).toBe('Infinity');
    const state: StoredUserDriftState = {
      ...new UserDriftState('u', 'news', 25).toJSON(),
      watches: {
        'exposure-entropy': { c: 3, d: adwin.toJSON(), rs: 1.5, rn: 2, t0: null, n: 50, r: false },
        miscalibration: { c: 0, d: fresh, rs: 0, rn: 0, t0: 1_700_000_000_000, n: 0, r: true },
      },
    };
    expect(decodeUserState(encodeUserState(state))).toEqual(state);
    expect(PageHinkley.fromJSON(decodeUserState(encodeUserState(state)).watches.miscalibration!.d).toJSON()).toEqual(fresh);
  });

  it('refuses bytes of another version or a damaged record, saying what is wrong', () => {
    const bytes = encodeUserState(states[0]!);
    expect(() => decodeUserState(Buffer.from([1, ...bytes.subarray(1)]))).toThrow('drift user state has version 1; this drift-watch reads version 2 (run the migrations)');
    expect(() => decodeUserState(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated at byte \d+ of \d+/);
    expect(() => decodeUserState(Buffer.concat([bytes, Buffer.from([0])]))).toThrow('1 bytes left over after the record');
  });

  it('upgrades version 1 (ids in clear) to hashes, and down and up again gives the same bytes', () => {
    const v2 = states[0]!;
    const ids = ['7d3c1a52-0000-4000-8000-000000000001', 'list:front-page-7'];
    const v1: StoredUserDriftStateV1 = { ...downgradeUserState(v2), recent: ids };
    const upgraded = upgradeUserState(v1, stableHash53);
    expect(upgraded.recent).toEqual(ids.map(stableHash53));
    expect(upgraded).toEqual({ ...v2, recent: ids.map(stableHash53) });
    const down = downgradeUserState(upgraded);
    expect(down.recent).toEqual(ids.map((id) => `h:${stableHash53(id).toString(16)}`));
    expect(encodeUserState(upgradeUserState(JSON.parse(JSON.stringify(down)) as StoredUserDriftStateV1, stableHash53))).toEqual(encodeUserState(upgraded));
  });

  it('a restored window still recognises the retries of ids seen before the snapshot', () => {
    const user = new UserDriftState('u', 'news', 25);
    for (let i = 0; i < 70; i++) user.remember(`event-${i}`, 64);
    const restored = UserDriftState.restore('u', 'news', 25, decodeUserState(encodeUserState(user.toJSON())));
    expect(restored.remember('event-69', 64)).toBe(false);
    expect(restored.remember('event-6', 64)).toBe(false);
    // The window holds 64: event-5 has left it (counted again, as before the change).
    expect(restored.remember('event-5', 64)).toBe(true);
  });
});
