/**
 * Migration UserModelStateBinary's own copy of what it converts between: user_models.state version 1 (the JSON
 * document) and version 2 (bytes), and the dedupe window's bytes, as they were when it was written. Frozen on purpose:
 * a migration must do the same thing forever, whatever libs/scoring/src/user-model-codec.ts (the live codec) becomes.
 * Never edit it to follow the live codec; a new layout is a new migration. Its spec checks that the live codec reads
 * these bytes to the same state, and that this reads what the live codec writes (what `down` meets).
 *
 * Version 2, little-endian (f = float64, str = u16 byte length + UTF-8, text = u32 byte length + UTF-8):
 *   u8 2, then sections, each u8 tag, u32 byte length, payload:
 *   1 weights      posterior = u32 n, n × [str feature, f mean, f variance]
 *   2 tau2         f
 *   3 personas     f evidence, f eventsSeen, f nextId, list, u8 has shadow [list], text JSON of decisions
 *                  (list = u16 k, k × [f id, f mass, f share, u8 has weights [posterior]])
 *   4 borrowing    f n, f mean, f m2, u8 has donor [str userId, u32 n, n × [str feature, f mean]]
 *   5 reliability  u16 c, c × str condition; 6 f counts, 3 f log-likelihoods, u32 s, s × [str pair key, u16 k,
 *                  k × [u16 condition index, 6 f], 3 f]; u8 has items [2 f, 3 f, u32 i, i × [str item, u16 k,
 *                  k × [u16 condition index, f n, f positive]]]
 *   6 conditions   f priorVariance, u8 has split [2 f], u16 c, c × [str condition, posterior]
 */

type Posterior = Record<string, readonly [number, number]>;
type Persona = { id: number; mass: number; share: number; weights?: Posterior };
type Counted = readonly [string, number, number, number, number, number, number];
type ItemCounted = readonly [string, number, number];

/** user_models.state version 1, the JSON document (only the keys version 2 keeps). */
export interface UserModelStateV1 {
  weights: Posterior;
  tau2?: number;
  personas?: { personas: Persona[]; shadow?: Persona[]; evidence: number; eventsSeen: number; nextId: number; decisions: unknown[] };
  borrowing?: { donor?: { userId: string; means: Record<string, number> }; evidence: { n: number; mean: number; m2: number } };
  reliability?: {
    counts: readonly number[];
    logLikelihood: readonly number[];
    signals: Record<string, readonly [readonly Counted[], readonly number[]]>;
    items?: { counts: readonly number[]; logLikelihood: readonly number[]; signals: Record<string, readonly ItemCounted[]> };
  };
  conditions?: { priorVariance: number; conditions: Record<string, Posterior>; split?: readonly [number, number] };
}

class Out {
  private readonly parts: Buffer[] = [];
  private put(size: number, write: (b: Buffer) => unknown): void {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
  }
  u8 = (x: number) => this.put(1, (b) => b.writeUInt8(x));
  u16 = (x: number) => this.put(2, (b) => b.writeUInt16LE(x));
  u32 = (x: number) => this.put(4, (b) => b.writeUInt32LE(x));
  f = (x: number) => this.put(8, (b) => b.writeDoubleLE(x));
  fs = (xs: readonly number[]) => xs.forEach(this.f);
  str = (s: string) => this.sized(Buffer.from(s), this.u16);
  text = (s: string) => this.sized(Buffer.from(s), this.u32);
  sized(bytes: Buffer, length: (n: number) => void): void {
    length(bytes.length);
    this.parts.push(bytes);
  }
  section(tag: number, write: (o: Out) => void): void {
    const body = new Out();
    write(body);
    this.u8(tag);
    this.sized(body.done(), this.u32);
  }
  done = () => Buffer.concat(this.parts);
}

class In {
  private at = 0;
  constructor(readonly bytes: Buffer) {}
  private take<T>(size: number, read: (at: number) => T): T {
    if (this.at + size > this.bytes.length) throw new Error(`user_models.state: truncated at byte ${this.at} of ${this.bytes.length} (corrupt bytes)`);
    const x = read(this.at);
    this.at += size;
    return x;
  }
  get position() {
    return this.at;
  }
  u8 = () => this.take(1, (at) => this.bytes.readUInt8(at));
  u16 = () => this.take(2, (at) => this.bytes.readUInt16LE(at));
  u32 = () => this.take(4, (at) => this.bytes.readUInt32LE(at));
  f = () => this.take(8, (at) => this.bytes.readDoubleLE(at));
  fs = (n: number) => Array.from({ length: n }, this.f);
  utf8 = (n: number) => this.take(n, (at) => this.bytes.toString('utf8', at, at + n));
  str = () => this.utf8(this.u16());
  text = () => this.utf8(this.u32());
  /** To the end of a section: past what this does not read (a later learner's tags), never back. */
  moveTo(end: number, tag: number): void {
    if (end < this.at || end > this.bytes.length) throw new Error(`user_models.state: section ${tag} does not end where its length says (corrupt bytes)`);
    this.at = end;
  }
  times = <T>(n: number, read: () => T): T[] => Array.from({ length: n }, read);
  /** Null prototype: keys are untrusted strings, and "__proto__" must stay an ordinary key. */
  record = <T>(n: number, read: () => [string, T]): Record<string, T> => Object.assign(Object.create(null), Object.fromEntries(this.times(n, read)));
}

const writePosterior = (o: Out, p: Posterior) => {
  o.u32(Object.keys(p).length);
  for (const [feature, [mean, variance]] of Object.entries(p)) {
    o.str(feature);
    o.fs([mean, variance]);
  }
};
const readPosterior = (i: In): Posterior => i.record(i.u32(), () => [i.str(), [i.f(), i.f()] as const]);

const writePersonas = (o: Out, list: readonly Persona[]) => {
  o.u16(list.length);
  for (const p of list) {
    o.fs([p.id, p.mass, p.share]);
    o.u8(p.weights ? 1 : 0);
    if (p.weights) writePosterior(o, p.weights);
  }
};
const readPersonas = (i: In): Persona[] =>
  i.times(i.u16(), () => {
    const [id, mass, share] = i.fs(3) as [number, number, number];
    return i.u8() === 1 ? { id, mass, share, weights: readPosterior(i) } : { id, mass, share };
  });

export function encodeUserModelStateV2(s: UserModelStateV1): Buffer {
  const o = new Out();
  o.u8(2);
  o.section(1, (o) => writePosterior(o, s.weights));
  if (s.tau2 !== undefined) o.section(2, (o) => o.f(s.tau2!));
  const { personas: p, borrowing: b, reliability: r, conditions: c } = s;
  if (p) {
    o.section(3, (o) => {
      o.fs([p.evidence, p.eventsSeen, p.nextId]);
      writePersonas(o, p.personas);
      o.u8(p.shadow ? 1 : 0);
      if (p.shadow) writePersonas(o, p.shadow);
      o.text(JSON.stringify(p.decisions));
    });
  }
  if (b) {
    o.section(4, (o) => {
      o.fs([b.evidence.n, b.evidence.mean, b.evidence.m2]);
      o.u8(b.donor ? 1 : 0);
      if (!b.donor) return;
      o.str(b.donor.userId);
      o.u32(Object.keys(b.donor.means).length);
      for (const [feature, mean] of Object.entries(b.donor.means)) {
        o.str(feature);
        o.f(mean);
      }
    });
  }
  if (r) {
    o.section(5, (o) => {
      // Each condition name once, in order of first appearance (pair signals, then item signals), then by index.
      const named = [...Object.values(r.signals).flatMap(([counted]) => counted), ...Object.values(r.items?.signals ?? {}).flat()].map((c) => c[0]);
      const index = new Map([...new Set(named)].map((name, i) => [name, i]));
      o.u16(index.size);
      index.forEach((_, name) => o.str(name));
      o.fs([...r.counts, ...r.logLikelihood]);
      o.u32(Object.keys(r.signals).length);
      for (const [key, [counted, stored]] of Object.entries(r.signals)) {
        o.str(key);
        o.u16(counted.length);
        for (const [condition, ...xs] of counted) {
          o.u16(index.get(condition)!);
          o.fs(xs);
        }
        o.fs(stored);
      }
      o.u8(r.items ? 1 : 0);
      if (!r.items) return;
      o.fs([...r.items.counts, ...r.items.logLikelihood]);
      o.u32(Object.keys(r.items.signals).length);
      for (const [item, signal] of Object.entries(r.items.signals)) {
        o.str(item);
        o.u16(signal.length);
        for (const [condition, ...xs] of signal) {
          o.u16(index.get(condition)!);
          o.fs(xs);
        }
      }
    });
  }
  if (c) {
    o.section(6, (o) => {
      o.f(c.priorVariance);
      o.u8(c.split ? 1 : 0);
      if (c.split) o.fs(c.split);
      o.u16(Object.keys(c.conditions).length);
      for (const [name, posterior] of Object.entries(c.conditions)) {
        o.str(name);
        writePosterior(o, posterior);
      }
    });
  }
  return o.done();
}

/** Version 2 back to version 1 (for `down`): sections of a later learner's tags are skipped, as its readers did. */
export function decodeUserModelStateV2(bytes: Buffer): UserModelStateV1 {
  const i = new In(bytes);
  if (i.u8() !== 2) throw new Error(`user_models.state has version ${bytes[0]}; migration UserModelStateBinary converts version 2 back to JSON`);
  const s: Partial<UserModelStateV1> = {};
  while (i.position < bytes.length) {
    const tag = i.u8();
    const end = i.u32() + i.position;
    if (tag === 1) s.weights = readPosterior(i);
    else if (tag === 2) s.tau2 = i.f();
    else if (tag === 3) {
      const [evidence, eventsSeen, nextId] = i.fs(3) as [number, number, number];
      const personas = readPersonas(i);
      const shadow = i.u8() === 1 ? readPersonas(i) : undefined;
      s.personas = { personas, ...(shadow ? { shadow } : {}), evidence, eventsSeen, nextId, decisions: JSON.parse(i.text()) };
    } else if (tag === 4) {
      const [n, mean, m2] = i.fs(3) as [number, number, number];
      s.borrowing = i.u8() === 1 ? { donor: { userId: i.str(), means: i.record(i.u32(), () => [i.str(), i.f()]) }, evidence: { n, mean, m2 } } : { evidence: { n, mean, m2 } };
    } else if (tag === 5) {
      const names = i.times(i.u16(), i.str);
      const condition = () => names[i.u16()]!;
      const counts = i.fs(6);
      const logLikelihood = i.fs(3);
      const signals = i.record(i.u32(), () => [i.str(), [i.times(i.u16(), () => [condition(), ...i.fs(6)] as unknown as Counted), i.fs(3)] as const]);
      const items =
        i.u8() === 1 ? { counts: i.fs(2), logLikelihood: i.fs(3), signals: i.record(i.u32(), () => [i.str(), i.times(i.u16(), () => [condition(), i.f(), i.f()] as const)]) } : undefined;
      s.reliability = { counts, logLikelihood, signals, ...(items ? { items } : {}) };
    } else if (tag === 6) {
      const priorVariance = i.f();
      const split = i.u8() === 1 ? (i.fs(2) as [number, number]) : undefined;
      s.conditions = { priorVariance, conditions: i.record(i.u16(), () => [i.str(), readPosterior(i)]), ...(split ? { split } : {}) };
    }
    i.moveTo(end, tag);
  }
  if (!s.weights) throw new Error('user_models.state: no weights section (corrupt bytes)');
  return s as UserModelStateV1;
}

/** The dedupe window's bytes (user_models.recent_event_keys): each 53-bit key as a little-endian int64, oldest first. */
export function encodeDedupeWindowV1(keys: readonly number[]): Buffer {
  const out = Buffer.alloc(keys.length * 8);
  keys.forEach((key, i) => {
    out.writeUInt32LE(key % 2 ** 32, i * 8);
    out.writeUInt32LE(Math.floor(key / 2 ** 32), i * 8 + 4);
  });
  return out;
}
