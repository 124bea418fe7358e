import { ByteReader, ByteWriter } from '@chorus/contracts';
import type { ConditionDeviationsJSON, DiagonalGaussianLogisticJSON, PersonaJSON, PersonaMixture } from '@chorus/reward';
import type { UserReliabilityJSON } from '@chorus/reliability';
import type { StoredBorrowing, StoredPersonas } from './user-model-state';

/**
 * user_models.state as its readers see it (the learner, the gateway's model and reliability reads, the reranker, the
 * console, drift-watch): the first persona's posterior (`weights`, what a single-deviation reader serves), the τ² it
 * was learned under, the other personas, cold-start borrowing, label reliability and the per-condition deviations.
 * Each part but `weights` is optional, as the JSON rows' keys were.
 */
export interface UserModelState {
  weights: DiagonalGaussianLogisticJSON;
  tau2?: number;
  personas?: StoredPersonas;
  borrowing?: StoredBorrowing;
  reliability?: UserReliabilityJSON;
  /** Per-condition deviations (issue #15), when the user has any. */
  conditions?: ConditionDeviationsJSON;
}

/**
 * The parts of user_models.state (see encodeUserModelState) of a user: the first persona's posterior as `weights` and
 * the τ² they were learned under — exactly the single deviation's state — plus, when the user has personas to keep
 * (K > 1: a shadow, or more than one persona), `personas`: the mixture's state without the first persona's weights,
 * so readers that know one deviation keep reading `weights`.
 */
export function userModelState(
  model: PersonaMixture,
  tau2: number,
  borrowing?: StoredBorrowing,
  reliability?: UserReliabilityJSON,
  conditions?: ConditionDeviationsJSON,
): UserModelState {
  const weights = model.personas[0]!.model.toJSON();
  const extra = { ...(borrowing ? { borrowing } : {}), ...(reliability ? { reliability } : {}), ...(conditions ? { conditions } : {}) };
  if (model.maxPersonas === 1) return { weights, tau2, ...extra };
  const { personas, ...rest } = model.toJSON();
  const [head, ...tail] = personas;
  const { weights: _first, ...headWithoutWeights } = head!;
  return { weights, tau2, personas: { ...rest, personas: [headWithoutWeights, ...tail] }, ...extra };
}

/**
 * The bytes of user_models.state (bytea), version 2 (version 1 was the JSON document of the same parts, see the
 * migration UserModelStateBinary). Layout, little-endian (f = float64, str = u16 length + UTF-8):
 *
 *   u8 version = 2
 *   sections, each: u8 tag, u32 byte length, payload — in any order, each tag at most once
 *     1 weights      posterior (u32 n, n × [str feature, f mean, f variance])            required
 *     2 tau2         f
 *     3 personas     f evidence, f eventsSeen, f nextId, personas, u8 has shadow [personas], u32 + decisions as JSON
 *                    (personas = u16 k, k × [f id, f mass, f share, u8 has weights [posterior]])
 *     4 borrowing    f n, f mean, f m2, u8 has donor [str userId, u32 n, n × [str feature, f mean]]
 *     5 reliability  u16 c, c × str condition (the record's condition names, referred to by index below),
 *                    6 f counts, 3 f log-likelihoods, u32 s, s × [str pair key, u16 k, k × [u16 condition, 6 f],
 *                    3 f log-likelihoods], u8 has items [2 f counts, 3 f log-likelihoods, u32 i, i × [str item,
 *                    u16 k, k × [u16 condition, f n, f positive]]]
 *     6 conditions   f κ², u8 has split [f observations, f generalised], u16 c, c × [str condition, posterior]
 *
 * New parts of a user's state get a new tag, not a new version: a reader skips the sections it does not know (as a
 * JSON reader ignored keys it did not know), so older readers keep working beside a newer learner.
 */
export const USER_MODEL_STATE_VERSION = 2;

export const SECTION = {
  weights: 1,
  tau2: 2,
  personas: 3,
  borrowing: 4,
  reliability: 5,
  /** A small posterior per framing condition (issue #15). */
  conditionDeviations: 6,
} as const;

const WHAT = 'user_models.state';

export function encodeUserModelState(state: UserModelState): Buffer {
  const w = new ByteWriter(256);
  w.u8(USER_MODEL_STATE_VERSION);
  section(w, SECTION.weights, () => writePosterior(w, state.weights));
  if (state.tau2 !== undefined) section(w, SECTION.tau2, () => w.f(state.tau2!));
  if (state.personas !== undefined) section(w, SECTION.personas, () => writePersonas(w, state.personas!));
  if (state.borrowing !== undefined) section(w, SECTION.borrowing, () => writeBorrowing(w, state.borrowing!));
  if (state.reliability !== undefined) section(w, SECTION.reliability, () => writeReliability(w, state.reliability!));
  if (state.conditions !== undefined) section(w, SECTION.conditionDeviations, () => writeConditions(w, state.conditions!));
  return w.done();
}

/**
 * @throws Error naming user_models.state and what is wrong: a JSON row (not migrated), another version, a truncated or
 * overlong record, a repeated section, no weights.
 */
export function decodeUserModelState(bytes: Uint8Array): UserModelState {
  if (bytes.length === 0) throw new Error(`${WHAT}: empty (corrupt bytes)`);
  const version = bytes[0]!;
  if (version === 0x7b) throw new Error(`${WHAT} is a JSON document (version 1); this reader reads version ${USER_MODEL_STATE_VERSION}: run the migrations (npm run migration:run)`);
  if (version !== USER_MODEL_STATE_VERSION) {
    throw new Error(`${WHAT} has version ${version}; this reader reads version ${USER_MODEL_STATE_VERSION} (a newer learner wrote it: upgrade this service, or run the migrations if it is older)`);
  }
  const r = new ByteReader(bytes, WHAT);
  r.u8();
  const seen = new Set<number>();
  let weights: DiagonalGaussianLogisticJSON | undefined;
  const state: Omit<UserModelState, 'weights'> = {};
  while (r.position < r.length) {
    const tag = r.u8();
    const length = r.u32();
    const end = r.position + length;
    if (end > r.length) throw new Error(`${WHAT}: section ${tag} of ${length} bytes runs past the end of the record (corrupt bytes)`);
    if (seen.has(tag)) throw new Error(`${WHAT}: section ${tag} appears twice (corrupt bytes)`);
    seen.add(tag);
    switch (tag) {
      case SECTION.weights:
        weights = readPosterior(r);
        break;
      case SECTION.tau2:
        state.tau2 = r.f();
        break;
      case SECTION.personas:
        state.personas = readPersonas(r);
        break;
      case SECTION.borrowing:
        state.borrowing = readBorrowing(r);
        break;
      case SECTION.reliability:
        state.reliability = readReliability(r);
        break;
      case SECTION.conditionDeviations:
        state.conditions = readConditions(r);
        break;
      default:
        // A part a newer learner writes: not ours to read.
        r.skip(length);
    }
    r.end(end);
  }
  if (weights === undefined) throw new Error(`${WHAT}: no weights section (corrupt bytes)`);
  return { weights, ...state };
}

function section(w: ByteWriter, tag: number, write: () => void): void {
  w.u8(tag);
  const at = w.reserveU32();
  const start = w.length;
  write();
  w.patchU32(at, w.length - start);
}

function writePosterior(w: ByteWriter, posterior: DiagonalGaussianLogisticJSON): void {
  const features = Object.keys(posterior);
  w.u32(features.length);
  for (const feature of features) {
    const [mean, variance] = posterior[feature]!;
    w.str(feature);
    w.f(mean);
    w.f(variance);
  }
}

function readPosterior(r: ByteReader): DiagonalGaussianLogisticJSON {
  // Null prototype: feature names are untrusted strings, and "__proto__" must stay an ordinary key.
  const posterior: Record<string, readonly [number, number]> = Object.create(null);
  for (let n = r.u32(); n > 0; n--) {
    const feature = r.str();
    posterior[feature] = [r.f(), r.f()];
  }
  return posterior;
}

function writePersonaList(w: ByteWriter, personas: readonly (Omit<PersonaJSON, 'weights'> & { weights?: DiagonalGaussianLogisticJSON })[]): void {
  w.u16(personas.length);
  for (const persona of personas) {
    w.f(persona.id);
    w.f(persona.mass);
    w.f(persona.share);
    w.u8(persona.weights ? 1 : 0);
    if (persona.weights) writePosterior(w, persona.weights);
  }
}

function readPersonaList(r: ByteReader): (Omit<PersonaJSON, 'weights'> & { weights?: DiagonalGaussianLogisticJSON })[] {
  const personas: (Omit<PersonaJSON, 'weights'> & { weights?: DiagonalGaussianLogisticJSON })[] = [];
  for (let k = r.u16(); k > 0; k--) {
    const id = r.f();
    const mass = r.f();
    const share = r.f();
    personas.push(r.u8() === 1 ? { id, mass, share, weights: readPosterior(r) } : { id, mass, share });
  }
  return personas;
}

function writePersonas(w: ByteWriter, p: StoredPersonas): void {
  w.f(p.evidence);
  w.f(p.eventsSeen);
  w.f(p.nextId);
  writePersonaList(w, p.personas);
  w.u8(p.shadow ? 1 : 0);
  if (p.shadow) writePersonaList(w, p.shadow);
  // Decisions are a few small records of mixed kinds, read only by the console: JSON is compact enough for them.
  w.text(JSON.stringify(p.decisions));
}

function readPersonas(r: ByteReader): StoredPersonas {
  const evidence = r.f();
  const eventsSeen = r.f();
  const nextId = r.f();
  const personas = readPersonaList(r);
  const shadow = r.u8() === 1 ? (readPersonaList(r) as PersonaJSON[]) : undefined;
  const decisions = JSON.parse(r.text()) as StoredPersonas['decisions'];
  return { personas, ...(shadow ? { shadow } : {}), evidence, eventsSeen, nextId, decisions };
}

function writeBorrowing(w: ByteWriter, b: StoredBorrowing): void {
  w.f(b.evidence.n);
  w.f(b.evidence.mean);
  w.f(b.evidence.m2);
  w.u8(b.donor ? 1 : 0);
  if (!b.donor) return;
  w.str(b.donor.userId);
  const features = Object.keys(b.donor.means);
  w.u32(features.length);
  for (const feature of features) {
    w.str(feature);
    w.f(b.donor.means[feature]!);
  }
}

function readBorrowing(r: ByteReader): StoredBorrowing {
  const evidence = { n: r.f(), mean: r.f(), m2: r.f() };
  if (r.u8() !== 1) return { evidence };
  const userId = r.str();
  const means: Record<string, number> = Object.create(null);
  for (let n = r.u32(); n > 0; n--) {
    const feature = r.str();
    means[feature] = r.f();
  }
  return { donor: { userId, means }, evidence };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function writeReliability(w: ByteWriter, s: UserReliabilityJSON): void {
  // Condition names repeat in every signal (a handful of framing conditions): each is written once and referred to.
  const conditions = new Map<string, number>();
  const id = (condition: string) => {
    let i = conditions.get(condition);
    if (i === undefined) conditions.set(condition, (i = conditions.size));
    return i;
  };
  for (const key of Object.keys(s.signals)) for (const c of s.signals[key]![0]) id(c[0]);
  if (s.items) for (const item of Object.keys(s.items.signals)) for (const c of s.items.signals[item]!) id(c[0]);
  if (conditions.size > 0xffff) throw new RangeError(`${WHAT}: more than 65535 framing conditions in one user's reliability state`);
  w.u16(conditions.size);
  for (const condition of conditions.keys()) w.str(condition);
  for (const x of s.counts) w.f(x);
  for (const x of s.logLikelihood) w.f(x);
  const keys = Object.keys(s.signals);
  w.u32(keys.length);
  for (const key of keys) {
    const [counted, stored] = s.signals[key]!;
    w.str(key);
    w.u16(counted.length);
    for (const [condition, n, a, aFirst, aSecond, bFirst, bSecond] of counted) {
      w.u16(conditions.get(condition)!);
      w.f(n);
      w.f(a);
      w.f(aFirst);
      w.f(aSecond);
      w.f(bFirst);
      w.f(bSecond);
    }
    for (const x of stored) w.f(x);
  }
  w.u8(s.items ? 1 : 0);
  if (!s.items) return;
  for (const x of s.items.counts) w.f(x);
  for (const x of s.items.logLikelihood) w.f(x);
  const items = Object.keys(s.items.signals);
  w.u32(items.length);
  for (const item of items) {
    const signal = s.items.signals[item]!;
    w.str(item);
    w.u16(signal.length);
    for (const [condition, n, positive] of signal) {
      w.u16(conditions.get(condition)!);
      w.f(n);
      w.f(positive);
    }
  }
}

function readReliability(r: ByteReader): UserReliabilityJSON {
  const conditions: string[] = [];
  for (let c = r.u16(); c > 0; c--) conditions.push(r.str());
  const condition = () => {
    const i = r.u16();
    const name = conditions[i];
    if (name === undefined) throw new Error(`${WHAT}: reliability names condition ${i} of ${conditions.length} (corrupt bytes)`);
    return name;
  };
  const counts = [r.f(), r.f(), r.f(), r.f(), r.f(), r.f()] as const;
  const logLikelihood = [r.f(), r.f(), r.f()] as const;
  const signals: Mutable<UserReliabilityJSON['signals']> = Object.create(null);
  for (let s = r.u32(); s > 0; s--) {
    const key = r.str();
    const counted: [string, number, number, number, number, number, number][] = [];
    for (let k = r.u16(); k > 0; k--) counted.push([condition(), r.f(), r.f(), r.f(), r.f(), r.f(), r.f()]);
    signals[key] = [counted, [r.f(), r.f(), r.f()]];
  }
  if (r.u8() !== 1) return { counts, logLikelihood, signals };
  const itemCounts = [r.f(), r.f()] as const;
  const itemLogLikelihood = [r.f(), r.f(), r.f()] as const;
  const itemSignals: Record<string, (readonly [string, number, number])[]> = Object.create(null);
  for (let i = r.u32(); i > 0; i--) {
    const item = r.str();
    const signal: (readonly [string, number, number])[] = [];
    for (let k = r.u16(); k > 0; k--) signal.push([condition(), r.f(), r.f()]);
    itemSignals[item] = signal;
  }
  return { counts, logLikelihood, signals, items: { counts: itemCounts, logLikelihood: itemLogLikelihood, signals: itemSignals } };
}

function writeConditions(w: ByteWriter, c: ConditionDeviationsJSON): void {
  w.f(c.priorVariance);
  w.u8(c.split ? 1 : 0);
  if (c.split) {
    w.f(c.split[0]);
    w.f(c.split[1]);
  }
  const names = Object.keys(c.conditions);
  if (names.length > 0xffff) throw new RangeError(`${WHAT}: more than 65535 condition deviations in one user's state`);
  w.u16(names.length);
  for (const name of names) {
    w.str(name);
    writePosterior(w, c.conditions[name]!);
  }
}

function readConditions(r: ByteReader): ConditionDeviationsJSON {
  const priorVariance = r.f();
  const split = r.u8() === 1 ? ([r.f(), r.f()] as const) : undefined;
  // Null prototype, as for posteriors: condition names are untrusted strings.
  const conditions: Record<string, DiagonalGaussianLogisticJSON> = Object.create(null);
  for (let n = r.u16(); n > 0; n--) {
    const name = r.str();
    conditions[name] = readPosterior(r);
  }
  return { priorVariance, conditions, ...(split ? { split } : {}) };
}
