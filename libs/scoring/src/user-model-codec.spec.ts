import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUserModelState, encodeUserModelState, SECTION, USER_MODEL_STATE_VERSION, type UserModelState } from './user-model-codec';

const double = fc.double({ noNaN: true });
const id = fc.string({ maxLength: 12 });
const posterior = fc.dictionary(id, fc.tuple(double, double), { maxKeys: 6 });
const persona = fc.record({ id: fc.nat(), mass: double, share: double, weights: posterior });
const condition = fc.constantFrom('', 'short\u0001\u0001', 'long\u0001left\u0001x');
const reliability = fc.record(
  {
    counts: fc.tuple(double, double, double, double, double, double),
    logLikelihood: fc.tuple(double, double, double),
    signals: fc.dictionary(id, fc.tuple(fc.array(fc.tuple(condition, double, double, double, double, double, double), { maxLength: 3 }), fc.tuple(double, double, double)), { maxKeys: 4 }),
    items: fc.record({
      counts: fc.tuple(double, double),
      logLikelihood: fc.tuple(double, double, double),
      signals: fc.dictionary(id, fc.array(fc.tuple(condition, double, double), { maxLength: 3 }), { maxKeys: 4 }),
    }),
  },
  { requiredKeys: ['counts', 'logLikelihood', 'signals'] },
);
const state: fc.Arbitrary<UserModelState> = fc.record(
  {
    weights: posterior,
    tau2: double,
    personas: fc.record(
      {
        personas: fc.array(fc.oneof(persona, persona.map(({ weights: _w, ...rest }) => rest)), { minLength: 1, maxLength: 3 }),
        shadow: fc.array(persona, { maxLength: 3 }),
        evidence: double,
        eventsSeen: fc.nat(),
        nextId: fc.nat(),
        decisions: fc.array(fc.record({ kind: fc.constant('open' as const), persona: fc.nat(), atEvent: fc.nat(), evidence: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 2 }),
      },
      { requiredKeys: ['personas', 'evidence', 'eventsSeen', 'nextId', 'decisions'] },
    ),
    borrowing: fc.record(
      { donor: fc.record({ userId: id, means: fc.dictionary(id, double, { maxKeys: 4 }) }), evidence: fc.record({ n: fc.nat(), mean: double, m2: double }) },
      { requiredKeys: ['evidence'] },
    ),
    reliability,
    conditions: fc.record(
      { priorVariance: double, conditions: fc.dictionary(id, posterior, { maxKeys: 3 }), split: fc.tuple(double, double) },
      { requiredKeys: ['priorVariance', 'conditions'] },
    ),
  },
  { requiredKeys: ['weights'] },
);

const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));

describe('user_models.state codec', () => {
  it('decodes what it encodes, every part and every double bit for bit (-0 and ±Infinity included)', () => {
    fc.assert(
      fc.property(state, (s) => {
        const back = decodeUserModelState(encodeUserModelState(s));
        expect(plain(back)).toEqual(plain(s));
        // Bit for bit: the same bytes again.
        expect(encodeUserModelState(back).equals(encodeUserModelState(s))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the per-condition deviations as section 6 (κ², the split, each framing once with its posterior)', () => {
    const bytes = encodeUserModelState({ weights: {}, conditions: { priorVariance: 0.5, conditions: { short: { 'cat:a': [1, 2] } } } });
    // version, weights section (tag 1, length 4, no features), then tag 6 and its length: 8 (κ²) + 1 (no split) + 2 (one
    // condition) + 2 + 5 ("short") + 4 (one feature) + 2 + 5 ("cat:a") + 16 (mean, variance) = 45.
    expect([...bytes.subarray(0, 11)]).toEqual([2, 1, 4, 0, 0, 0, 0, 0, 0, 0, 6]);
    expect(bytes.readUInt32LE(11)).toBe(45);
    expect(bytes.length).toBe(15 + 45);
    expect(decodeUserModelState(bytes).conditions).toEqual({ priorVariance: 0.5, conditions: { short: { 'cat:a': [1, 2] } } });
    const split = encodeUserModelState({ weights: {}, conditions: { priorVariance: 1, conditions: {}, split: [3, 2.5] } });
    expect(decodeUserModelState(split).conditions).toEqual({ priorVariance: 1, conditions: {}, split: [3, 2.5] });
  });

  it('keeps "__proto__" an ordinary feature, item and pair name', () => {
    const s = JSON.parse('{"weights":{"__proto__":[1,2]},"borrowing":{"donor":{"userId":"d","means":{"__proto__":3}},"evidence":{"n":1,"mean":0,"m2":0}}}') as UserModelState;
    const back = decodeUserModelState(encodeUserModelState(s));
    expect(Object.keys(back.weights)).toEqual(['__proto__']);
    expect(back.weights['__proto__']).toEqual([1, 2]);
    expect(Object.keys(back.borrowing!.donor!.means)).toEqual(['__proto__']);
  });

  it('refuses a JSON row, another version, truncated, overlong and repeated sections with what is wrong', () => {
    const bytes = encodeUserModelState({ weights: { bias: [0.5, 1] }, tau2: 2 });
    expect(bytes[0]).toBe(USER_MODEL_STATE_VERSION);
    expect(() => decodeUserModelState(Buffer.from('{"weights":{}}'))).toThrow('user_models.state is a JSON document (version 1); this reader reads version 2: run the migrations');
    expect(() => decodeUserModelState(Buffer.from([3, ...bytes.subarray(1)]))).toThrow('user_models.state has version 3; this reader reads version 2');
    expect(() => decodeUserModelState(Buffer.alloc(0))).toThrow('user_models.state: empty');
    expect(() => decodeUserModelState(bytes.subarray(0, bytes.length - 3))).toThrow(/runs past the end of the record \(corrupt bytes\)/);
    const tau2 = bytes.subarray(bytes.length - 13);
    expect(() => decodeUserModelState(Buffer.concat([bytes, tau2]))).toThrow('user_models.state: section 2 appears twice');
    // A section whose length says more than its content reads.
    const padded = Buffer.concat([bytes.subarray(0, bytes.length - 13), Buffer.from([SECTION.tau2, 9, 0, 0, 0]), bytes.subarray(bytes.length - 8), Buffer.from([0])]);
    expect(() => decodeUserModelState(padded)).toThrow('1 bytes left over after the record (corrupt bytes)');
    expect(() => decodeUserModelState(Buffer.from([USER_MODEL_STATE_VERSION, SECTION.tau2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow('no weights section');
  });

  it('skips a section it does not know (a newer learner’s part), reading the rest', () => {
    const bytes = encodeUserModelState({ weights: { bias: [0.5, 1] }, tau2: 2 });
    const unknown = Buffer.from([200, 3, 0, 0, 0, 1, 2, 3]);
    expect(decodeUserModelState(Buffer.concat([bytes, unknown]))).toEqual({ weights: { bias: [0.5, 1] }, tau2: 2 });
  });

  it('writes each framing condition of a reliability state once', () => {
    const signals: Record<string, [[string, number, number, number, number, number, number][], [number, number, number]]> = {};
    for (let i = 0; i < 50; i++) signals[`a${i}\u0001b`] = [[['long-condition-name\u0001left', 1, 1, 0, 0, 0, 0]], [0, 0, 0]];
    const bytes = encodeUserModelState({ weights: {}, reliability: { counts: [0, 0, 0, 0, 0, 0], logLikelihood: [0, 0, 0], signals } });
    expect(bytes.toString('latin1').split('long-condition-name').length - 1).toBe(1);
  });
});
