import { type DetectorStateEnvelope, StateReader } from './detector-state.guard';
import { assertFiniteInput, type DriftDetector, ParameterCheck } from './drift-detector.contract';
import { KS_EXACT_MAX_N, ksTwoSampleEqualSizes } from './kolmogorov-smirnov.statistic';
import { PythonRandom, type PythonRandomState, type PythonSeed } from './python-random.generator';

/** KSWIN parameters (River `drift.KSWIN`, camelCased). */
export interface KswinParams {
  /** Significance level of the KS test; River advises < 0.01. Default 0.005. */
  alpha?: number;
  /** Size of the sliding window Ψ. Default 100. */
  windowSize?: number;
  /** Size r of the statistic windows R (most recent) and W (sampled from the rest). Default 30. */
  statSize?: number;
  /**
   * Seed of the `random.Random` used to sample W. Default: none, i.e. fresh OS entropy on every reset, as River does
   * with `random.Random(None)`. Pass a seed to reproduce River's draws exactly.
   */
  seed?: PythonSeed;
  /** Values already collected, to avoid a cold start (only the last `windowSize` are kept). Default none. */
  window?: readonly number[];
}

/** A KSWIN seed as JSON: integers as decimal text (they may exceed 2^53), bytes as base64; null for OS entropy. */
export type StoredSeed = null | { type: 'int'; value: string } | { type: 'str'; value: string } | { type: 'bytes'; value: string };

/** A serialised KSWIN (`toJSON()`): parameters, the window, and the generator's state (so the draws continue). */
export type KswinState = DetectorStateEnvelope<
  'KSWIN',
  { alpha: number; windowSize: number; statSize: number; seed: StoredSeed },
  { window: number[]; pValue: number; n: number; drift: boolean; rng: PythonRandomState }
>;

/**
 * Kolmogorov–Smirnov WINdowing — a port of River's `drift.KSWIN` (`river/drift/kswin.py`).
 *
 * KSWIN keeps the last n = `windowSize` values Ψ. Once Ψ is full, every update takes R = the last r = `statSize`
 * values and W = r values drawn without replacement from the first n − r positions with CPython's
 * `random.Random(seed).sample(range(n − r), r)` (ported bit-exactly in `PythonRandom`), and runs SciPy's two-sample
 * KS test (`ks_2samp(W, R, method='auto')`, exact for r ≤ 10000). A drift is signalled when
 * p-value ≤ α and D > 0.1; the window is then cut down to R. The update after a drift starts afresh (empty window,
 * generator re-seeded with `seed`), as River's `_reset` does.
 *
 * Stricter than River: River only checks `windowSize >= statSize` and fails at the first full window when
 * `windowSize < 2·statSize` (`sample` cannot draw r values from fewer than r positions); here that configuration is
 * refused in the constructor. `statSize` is capped at 10000, where SciPy would leave the exact branch.
 *
 * Example (River's docstring, reproduced in `kswin.detector.spec.ts`): on `Random(12345)`'s
 * `choices([0, 1], k=1000) + choices(range(4, 8), k=1000)`, `new KSWIN({ alpha: 0.0001, seed: 42 })` prints
 * "Change detected at index 1016, input value: 6".
 *
 * Reference: C. Raab, M. Heusinger, F.-M. Schleif, "Reactive soft prototype computing for concept drift streams",
 * Neurocomputing 416, 2020.
 */
export class KSWIN implements DriftDetector {
  readonly alpha: number;
  readonly windowSize: number;
  readonly statSize: number;
  readonly seed: PythonSeed | undefined;

  private window: number[] = [];
  private rng!: PythonRandom;
  private drift = false;
  private lastPValue = 0;
  private count = 0;
  private readonly candidatePositions: number[];

  constructor(params: KswinParams = {}) {
    const check = new ParameterCheck('KSWIN');
    this.alpha = check.number('alpha', params.alpha ?? 0.005, { min: 0, max: 1 });
    this.windowSize = check.integer('windowSize', params.windowSize ?? 100, { min: 2 });
    this.statSize = check.integer('statSize', params.statSize ?? 30, { min: 1, max: KS_EXACT_MAX_N });
    check.require(
      this.windowSize >= 2 * this.statSize,
      `windowSize (${this.windowSize}) must be at least 2 × statSize (${this.statSize}): the comparison sample of ` +
        `statSize values is drawn from the windowSize − statSize oldest positions. Increase windowSize or decrease statSize.`,
    );
    this.seed = params.seed;
    this.candidatePositions = Array.from({ length: this.windowSize - this.statSize }, (_, i) => i);
    this.reset();
    if (params.window !== undefined && params.window.length > 0) {
      params.window.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          check.require(false, `parameter 'window' must hold finite numbers only, got ${String(v)} at position ${i}.`);
        }
      });
      this.window = params.window.slice(-this.windowSize);
    }
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  /** p-value of the last KS test (0 until the window first fills, as in River). */
  get pValue(): number {
    return this.lastPValue;
  }

  /** Updates since the last reset (River `n`). */
  get n(): number {
    return this.count;
  }

  update(x: number): this {
    assertFiniteInput('KSWIN', x);
    if (this.drift) this.reset();

    this.count += 1;
    this.window.push(x);
    if (this.window.length > this.windowSize) this.window.shift();

    if (this.window.length >= this.windowSize) {
      const positions = this.rng.sample(this.candidatePositions, this.statSize);
      const sampled = positions.map((p) => this.window[p] as number);
      const mostRecent = this.window.slice(this.windowSize - this.statSize, this.windowSize);
      const { statistic, pValue } = ksTwoSampleEqualSizes(sampled, mostRecent);
      this.lastPValue = pValue;
      if (pValue <= this.alpha && statistic > 0.1) {
        this.drift = true;
        this.window = mostRecent;
      } else {
        this.drift = false;
      }
    } else {
      this.drift = false;
    }
    return this;
  }

  /**
   * The detector as plain JSON, including the generator state: `KSWIN.fromJSON` of it draws the same comparison samples
   * this one would have drawn (also when it was built without a seed).
   */
  toJSON(): KswinState {
    return {
      kind: 'KSWIN',
      version: 1,
      params: { alpha: this.alpha, windowSize: this.windowSize, statSize: this.statSize, seed: encodeSeed(this.seed) },
      state: { window: [...this.window], pValue: this.lastPValue, n: this.count, drift: this.drift, rng: this.rng.getState() },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): KSWIN {
    const { params, state } = StateReader.open(input, 'KSWIN');
    const detector = new KSWIN({ ...(params as Omit<KswinParams, 'seed'>), seed: decodeSeed(params['seed'], state) });
    const window = state.numbers('window');
    if (window.length > detector.windowSize) {
      throw state.fail(`field "state.window" holds ${window.length} values, more than windowSize (${detector.windowSize})`);
    }
    detector.window = window;
    detector.lastPValue = state.number('pValue', { min: 0 });
    detector.count = state.number('n', { integer: true, min: 0 });
    detector.drift = state.boolean('drift');
    detector.rng.setState(state.raw('rng') as PythonRandomState);
    return detector;
  }

  private reset(): void {
    this.drift = false;
    this.lastPValue = 0;
    this.count = 0;
    this.window = [];
    this.rng = new PythonRandom(this.seed);
  }
}

function encodeSeed(seed: PythonSeed | undefined): StoredSeed {
  if (seed === undefined) return null;
  if (typeof seed === 'number' || typeof seed === 'bigint') return { type: 'int', value: String(seed) };
  if (typeof seed === 'string') return { type: 'str', value: seed };
  return { type: 'bytes', value: Buffer.from(seed).toString('base64') };
}

function decodeSeed(stored: unknown, state: StateReader): PythonSeed | undefined {
  if (stored === null || stored === undefined) return undefined;
  const { type, value } = (typeof stored === 'object' ? stored : {}) as { type?: unknown; value?: unknown };
  if (typeof value === 'string') {
    if (type === 'str') return value;
    if (type === 'bytes') return new Uint8Array(Buffer.from(value, 'base64'));
    if (type === 'int' && /^-?\d+$/.test(value)) {
      const big = BigInt(value);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
  }
  throw state.fail('field "params.seed" must be null or { type: "int" | "str" | "bytes", value: string }');
}
