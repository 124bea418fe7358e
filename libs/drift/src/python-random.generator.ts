import { createHash, randomFillSync } from 'node:crypto';
import { DriftInputError } from './drift-input.error';

/** A seed CPython's `random.Random(seed)` accepts and this port reproduces. */
export type PythonSeed = number | bigint | string | Uint8Array;

/**
 * The generator's full state, as CPython's `getstate()` holds it: the 624 MT19937 words (base64 of their little-endian
 * bytes, to keep the JSON small), the position `mti` in them, and the cached second value of `gauss`.
 */
export interface PythonRandomState {
  readonly mt: string;
  readonly mti: number;
  readonly gaussNext: number | null;
}

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** `4 * exp(-0.5) / sqrt(2.0)` exactly as CPython computes it (`random.NV_MAGICCONST`). */
const NV_MAGICCONST = 1.7155277699214135;
/** `2.0 * pi` (`random.TWOPI`). */
const TWOPI = 6.283185307179586;

/**
 * Port of CPython 3.11's `random.Random`, bit-exact except for `gauss` (see below): the MT19937 generator of
 * `Modules/_randommodule.c` and the pure-Python methods of `Lib/random.py` that River's examples and KSWIN use.
 *
 * Seeding follows `random_seed()`: an integer seed `a` is replaced by `|a|`, split into 32-bit words from the least
 * significant end and passed to `init_by_array`; a `str`/`bytes` seed (version 2) is first turned into the integer
 * `int.from_bytes(a + sha512(a).digest(), 'big')`; no seed draws 624 words from the OS entropy source, as CPython does.
 *
 * - `random()` = `(a·2^26 + b) / 2^53` with `a = u32 >> 5`, `b = u32 >> 6` (53-bit resolution).
 * - `getrandbits(k)` fills 32-bit words least-significant first, dropping the low bits of the last word.
 * - `randbelow(n)` is `_randbelow_with_getrandbits`: rejection sampling on `getrandbits(n.bit_length())`.
 * - `choices` and `sample` follow `Lib/random.py` line by line (including `sample`'s set-based vs pool-based branch).
 * - `gauss` (Box–Muller with a cached second value) and `normalvariate` (Kinderman–Monahan) follow `Lib/random.py`
 *   operation for operation but take `cos`, `sin` and `log` from V8 (`Math.*`), while CPython takes them from the
 *   platform libm. Neither libm is correctly rounded everywhere, so `gauss` can differ from CPython in the last bits
 *   (≤ 4 ulps observed; 379 of River's 400 CUSUM draws identical). `normalvariate` only uses `log` to accept or
 *   reject, and matches CPython exactly in the tests. Everything else in this class is bit-exact.
 *
 * References: M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed uniform
 * pseudorandom number generator", ACM TOMACS 8(1), 1998; CPython `Modules/_randommodule.c`, `Lib/random.py` (3.11).
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;
  private gaussNext: number | null = null;

  constructor(seed?: PythonSeed | null) {
    this.seed(seed);
  }

  /** Re-seeds the generator exactly like `random.Random.seed(a)` (version 2). */
  seed(a?: PythonSeed | null): void {
    if (a === undefined || a === null) {
      const key = new Uint32Array(N);
      randomFillSync(key);
      this.initByArray(key);
    } else {
      this.initByArray(seedToKey(a));
    }
    this.gaussNext = null;
  }

  /** The state (`random.getstate()`): a generator given it with `setState` continues with the same draws. */
  getState(): PythonRandomState {
    const bytes = Buffer.alloc(N * 4);
    for (let i = 0; i < N; i++) bytes.writeUInt32LE(this.mt[i] as number, i * 4);
    return { mt: bytes.toString('base64'), mti: this.mti, gaussNext: this.gaussNext };
  }

  /** Installs a state from `getState()` (`random.setstate`). Throws `DriftInputError` if it is malformed. */
  setState(state: PythonRandomState): void {
    const fail = (what: string) =>
      new DriftInputError('DRIFT.INVALID_STATE', `PythonRandom.setState: ${what}; pass the unmodified output of getState().`);
    if (typeof state !== 'object' || state === null) throw fail('expected an object');
    const bytes = typeof state.mt === 'string' ? Buffer.from(state.mt, 'base64') : undefined;
    if (bytes === undefined || bytes.length !== N * 4) throw fail(`field "mt" must be the base64 of ${N} 32-bit words`);
    if (!Number.isInteger(state.mti) || state.mti < 0 || state.mti > N) throw fail(`field "mti" must be an integer in [0, ${N}]`);
    if (state.gaussNext !== null && (typeof state.gaussNext !== 'number' || !Number.isFinite(state.gaussNext))) {
      throw fail('field "gaussNext" must be a finite number or null');
    }
    for (let i = 0; i < N; i++) this.mt[i] = bytes.readUInt32LE(i * 4);
    this.mti = state.mti;
    this.gaussNext = state.gaussNext;
  }

  /** A float in [0, 1) with 53 random bits: `random.random()`. */
  random(): number {
    const a = this.genrandUint32() >>> 5;
    const b = this.genrandUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** An integer with `k` random bits: `random.getrandbits(k)`. Returned as a `bigint` because `k` may exceed 53. */
  getrandbits(k: number): bigint {
    if (!Number.isSafeInteger(k) || k < 0) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', `getrandbits(k): k must be a non-negative integer, got ${k}.`);
    }
    if (k === 0) return 0n;
    if (k <= 32) return BigInt(this.genrandUint32() >>> (32 - k));
    let result = 0n;
    let shift = 0n;
    for (let bits = k; bits > 0; bits -= 32, shift += 32n) {
      let r = this.genrandUint32();
      if (bits < 32) r >>>= 32 - bits;
      result |= BigInt(r) << shift;
    }
    return result;
  }

  /**
   * A uniform integer in [0, n): CPython's `Random._randbelow` (`_randbelow_with_getrandbits`). Limited to
   * `n <= 2^53` so the result is an exact JS number. (Candidates of 54 bits that are >= 2^53 may round when converted
   * to a number, but rounding is monotonic and 2^53 is exact, so they are still rejected exactly as in CPython.)
   */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 53) {
      throw new DriftInputError(
        'DRIFT.INVALID_ARGUMENT',
        `randbelow(n): n must be an integer in [1, 2^53] (CPython's _randbelow is defined for n > 0), got ${n}.`,
      );
    }
    const k = bitLength(n);
    let r = this.getrandbitsNumber(k);
    while (r >= n) r = this.getrandbitsNumber(k);
    return r;
  }

  /**
   * `k` elements chosen with replacement: `random.choices(population, weights=None, *, cum_weights=None, k=1)`.
   * Without weights, each pick is `population[floor(random() * n)]`; with weights, the cumulative weights are bisected
   * (`bisect_right`) at `random() * total`.
   */
  choices<T>(
    population: ArrayLike<T>,
    options: { weights?: readonly number[]; cumWeights?: readonly number[]; k?: number } = {},
  ): T[] {
    const { weights, k = 1 } = options;
    let { cumWeights } = options;
    if (!Number.isSafeInteger(k) || k < 0) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', `choices: k must be a non-negative integer, got ${k}.`);
    }
    const n = population.length;
    const out: T[] = new Array<T>(k);
    if (cumWeights === undefined) {
      if (weights === undefined) {
        if (n === 0 && k > 0) {
          throw new DriftInputError('DRIFT.INVALID_ARGUMENT', 'choices: cannot choose from an empty population.');
        }
        for (let i = 0; i < k; i++) out[i] = population[Math.floor(this.random() * n)] as T;
        return out;
      }
      // itertools.accumulate: left-to-right float additions, same rounding as CPython.
      const acc: number[] = new Array<number>(weights.length);
      let running = 0;
      for (let i = 0; i < weights.length; i++) {
        running = i === 0 ? (weights[0] as number) : running + (weights[i] as number);
        acc[i] = running;
      }
      cumWeights = acc;
    } else if (weights !== undefined) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', 'choices: cannot specify both weights and cumWeights.');
    }
    if (cumWeights.length !== n) {
      throw new DriftInputError(
        'DRIFT.INVALID_ARGUMENT',
        `choices: the number of weights (${cumWeights.length}) does not match the population (${n}).`,
      );
    }
    if (n === 0) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', 'choices: the population must not be empty.');
    }
    const total = cumWeights[n - 1] as number;
    if (!(total > 0)) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', `choices: total of weights must be greater than zero, got ${total}.`);
    }
    if (!Number.isFinite(total)) {
      throw new DriftInputError('DRIFT.INVALID_ARGUMENT', `choices: total of weights must be finite, got ${total}.`);
    }
    const hi = n - 1;
    for (let i = 0; i < k; i++) {
      out[i] = population[bisectRight(cumWeights, this.random() * total, 0, hi)] as T;
    }
    return out;
  }

  /**
   * `k` unique elements (by position) without replacement: `random.sample(population, k)` of CPython 3.11.
   *
   * When an `n`-length list is smaller than a `k`-length set (`n <= 21 + 4^ceil(log4(3k))` for `k > 5`, `n <= 21`
   * otherwise) a pool is shuffled partially; otherwise indices are drawn with `randbelow(n)` and re-drawn while already
   * selected.
   */
  sample<T>(population: ArrayLike<T>, k: number): T[] {
    const n = population.length;
    if (!Number.isSafeInteger(k) || k < 0 || k > n) {
      throw new DriftInputError(
        'DRIFT.INVALID_ARGUMENT',
        `sample: k must be an integer in [0, ${n}] (sample larger than population or is negative), got ${k}.`,
      );
    }
    const result: T[] = new Array<T>(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** ceilLog4(k * 3);
    if (n <= setsize) {
      const pool: T[] = Array.from(population);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j] as T;
        pool[j] = pool[n - i - 1] as T;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j] as T;
      }
    }
    return result;
  }

  /** Gaussian draw, `random.gauss(mu, sigma)` (Box–Muller, caching the second value). */
  gauss(mu = 0.0, sigma = 1.0): number {
    let z = this.gaussNext;
    this.gaussNext = null;
    if (z === null) {
      const x2pi = this.random() * TWOPI;
      const g2rad = Math.sqrt(-2.0 * Math.log(1.0 - this.random()));
      z = Math.cos(x2pi) * g2rad;
      this.gaussNext = Math.sin(x2pi) * g2rad;
    }
    return mu + z * sigma;
  }

  /** Gaussian draw, `random.normalvariate(mu, sigma)` (Kinderman–Monahan ratio of uniforms). */
  normalvariate(mu = 0.0, sigma = 1.0): number {
    for (;;) {
      const u1 = this.random();
      const u2 = 1.0 - this.random();
      const z = (NV_MAGICCONST * (u1 - 0.5)) / u2;
      const zz = (z * z) / 4.0;
      if (zz <= -Math.log(u2)) return mu + z * sigma;
    }
  }

  /** `getrandbits(k)` for k <= 54 as a number (exact below 2^53; used by `randbelow`). */
  private getrandbitsNumber(k: number): number {
    if (k <= 32) return this.genrandUint32() >>> (32 - k);
    const low = this.genrandUint32();
    const high = this.genrandUint32() >>> (64 - k);
    return high * 4294967296 + low;
  }

  /** `init_genrand(s)` of the reference MT19937 implementation. */
  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  /** `init_by_array(init_key, key_length)` of the reference MT19937 implementation. */
  private initByArray(key: Uint32Array): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const keyLength = key.length;
    for (let k = N > keyLength ? N : keyLength; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
      if (j >= keyLength) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.mti = N;
  }

  /** `genrand_uint32()`: next tempered 32-bit output, regenerating the state every 624 draws. */
  private genrandUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + M] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + (M - N)] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = ((mt[N - 1] as number) & UPPER_MASK) | ((mt[0] as number) & LOWER_MASK);
      mt[N - 1] = (mt[M - 1] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** CPython `random_seed()`: |a| split into little-endian 32-bit words (at least one word). */
function seedToKey(a: PythonSeed): Uint32Array {
  let n: bigint;
  if (typeof a === 'bigint') {
    n = a;
  } else if (typeof a === 'number') {
    if (!Number.isSafeInteger(a)) {
      throw new DriftInputError(
        'DRIFT.INVALID_ARGUMENT',
        `PythonRandom seed must be an integer (a safe-integer number or a bigint), a string or bytes, got ${a}; ` +
          'pass a bigint for integers beyond 2^53.',
      );
    }
    n = BigInt(a);
  } else {
    // Lib/random.py, version 2: a = int.from_bytes(a + sha512(a).digest()) (big-endian).
    const bytes = typeof a === 'string' ? new TextEncoder().encode(a) : a;
    const digest = createHash('sha512').update(bytes).digest();
    const hex = Buffer.concat([Buffer.from(bytes), digest]).toString('hex');
    n = BigInt(`0x${hex}`);
  }
  if (n < 0n) n = -n;
  const words: number[] = [];
  while (n > 0n) {
    words.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  if (words.length === 0) words.push(0);
  return Uint32Array.from(words);
}

function bitLength(n: number): number {
  // n <= 2^53: Math.clz32 on the high and low halves avoids floating-point log rounding.
  if (n < 4294967296) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / 4294967296));
}

/**
 * `ceil(log(x, 4))` for the positive integer `x = 3k`. Computed with integers: `3k` is never a power of 4, so CPython's
 * floating-point `ceil(log(3k, 4))` equals the least `m` with `4^m > 3k` (the float ratio is never within rounding
 * distance of an integer for any k a sample can have).
 */
function ceilLog4(x: number): number {
  let m = 0;
  let p = 1;
  while (p < x) {
    p *= 4;
    m++;
  }
  return m;
}

/** `bisect.bisect_right(a, x, lo, hi)`. */
function bisectRight(a: readonly number[], x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < (a[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
