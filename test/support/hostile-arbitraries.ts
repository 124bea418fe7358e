import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

/**
 * Hostile input for the fuzz properties (issue #10 item 7): strings, numbers, JSON documents and raw bytes of the kinds
 * that broke or could break Chorus, and near-valid documents made from real valid ones by a few mutations.
 *
 * Documents are built as a small model ({@link JsonDoc}) rather than plain objects so that what JSON allows but a JS
 * object cannot hold survives to the wire: a repeated key, a `"__proto__"` key, a number literal such as `1e999`.
 */

/** An object whose entries are kept as written: keys may repeat, and `__proto__` is an ordinary key. */
export class JsonEntries {
  constructor(readonly entries: readonly (readonly [string, JsonDoc])[]) {}
}

/** A token written verbatim into the JSON text (`1e999`, `-0`, `NaN`, `01`): some are valid JSON, some are not. */
export class RawToken {
  constructor(readonly text: string) {}
}

export type JsonDoc = null | boolean | number | string | RawToken | JsonEntries | readonly JsonDoc[];

/** The JSON text of a document (`JSON.stringify` for the leaves, so strings are escaped as any client would). */
export function jsonText(doc: JsonDoc): string {
  if (doc instanceof RawToken) return doc.text;
  if (doc instanceof JsonEntries) return `{${doc.entries.map(([key, value]) => `${JSON.stringify(key)}:${jsonText(value)}`).join(',')}}`;
  if (Array.isArray(doc)) return `[${doc.map(jsonText).join(',')}]`;
  // JSON.stringify writes NaN and ±Infinity as null, and -0 as 0: what a JS client would send.
  return JSON.stringify(doc);
}

/** A plain JSON value (objects, arrays, leaves) as a document, keys in order. */
export function toDoc(value: unknown): JsonDoc {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toDoc);
  if (typeof value === 'object') return new JsonEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toDoc(v)] as const));
  return null;
}

/** Characters that storage, logs, JSON or JS objects have trouble with. */
export const HOSTILE_CHARACTERS = [
  '\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f', '\u00a0',
  '\u00ad', '\u200b', '\u200d', '\u2028', '\u2029', '\u202e', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\ud800', '\udbff',
  '\udc00', '\udfff', '😀', '中', '\u0301', ' ', '/', '\\', '%', '"', "'", '?', '#', '&', '=', '+', ':', '.', '*',
] as const;

/** Keys and words that a lookup on a plain object, a template or a parser may treat specially. */
export const HOSTILE_WORDS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__',
  'then', 'length', 'NaN', 'Infinity', '-Infinity', 'null', 'undefined', 'true', 'false', '0', '-0', '1e308', '1e999',
  '', ' ', '.', '..', '../../etc/passwd', '%00', '%', '%zz', '%ED%A0%80', "' OR '1'='1", "'; DROP TABLE items; --", '$1',
  '${x}', '{{x}}', '<script>alert(1)</script>', '\\u0000', '*', 'rating', 'click', 'skip', 'pairwise', 'movies', 'news',
  'user', 'population', 'segment', 'rerank-user', 'rerank-fan-out', 'deliver',
] as const;

/** Strings at and past the limits (128-character ids, 10 kB+ text). */
const LONG_STRINGS = ['a'.repeat(128), 'a'.repeat(129), 'é'.repeat(128), '😀'.repeat(64), 'x'.repeat(10_241), '\u0000'.repeat(1024), '😀'.repeat(3_000)];

const hostileCharacter = fc.constantFrom(...HOSTILE_CHARACTERS);

/** What Postgres text cannot store or stores as something else, and what breaks lines: the likeliest to do harm. */
export const STORAGE_HOSTILE_CHARACTERS = ['\u0000', '\ud800', '\udfff', '\udc00\ud800', '\u0001', '\u001f', '\u007f', '\u0085', '\u009f', '\u2028', '\u00a0'] as const;

/** Keys a plain-object lookup answers from Object.prototype. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

const idLike = (middle: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom('u-1', 'item-1', 'movies', 'user-0', ''), middle, fc.constantFrom('', 'x', 'u-1')).map(([before, hostile, after]) => `${before}${hostile}${after}`);

/**
 * Hostile strings: a valid-looking id holding a character storage cannot keep (most often: they are the likeliest to
 * do harm), prototype keys, fixed nasties, any code points (lone surrogates included), long ones.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: idLike(fc.constantFrom(...STORAGE_HOSTILE_CHARACTERS)) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_WORDS, ...HOSTILE_CHARACTERS) },
  { weight: 2, arbitrary: idLike(hostileCharacter) },
  // Every code point, lone surrogates included.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_STRINGS) },
);

/** Numbers past every bound a schema might have forgotten, and the edges of doubles. */
export const HOSTILE_NUMBERS = [
  1e308, -1e308, 1e200, -1e200, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-300, -0, 0, 1,
  -1, 0.5, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, 2 ** 53 + 1, -(2 ** 53) - 1, Number.MAX_SAFE_INTEGER, 1.0000000000000002, 4.5, 5.0000001,
] as const;

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/**
 * Number tokens a JS client cannot send but a JSON text can hold: `1e999` parses to Infinity, `-0` to -0, a long
 * integer loses precision; the rest are not JSON at all (`NaN`, `01`, `.5`, `+1`, `0x10`).
 */
export const RAW_NUMBER_TOKENS = ['1e999', '-1e999', '1E400', '-0', '-0.0', '123456789012345678901234567890', '1e-400', 'NaN', 'Infinity', '-Infinity', '01', '.5', '+1', '0x10', '1.'] as const;
const rawNumberToken = fc.constantFrom(...RAW_NUMBER_TOKENS).map((text) => new RawToken(text));

/** A key for an added or replaced entry: hostile words first (`__proto__`, `constructor`, ...). */
export const hostileKey: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_WORDS) }, { weight: 1, arbitrary: hostileString });

const hostileLeaf: fc.Arbitrary<JsonDoc> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: rawNumberToken },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Any JSON document built from hostile leaves and keys (a few levels deep). */
export const hostileJson: fc.Arbitrary<JsonDoc> = fc.letrec<{ value: JsonDoc; array: JsonDoc[]; object: JsonEntries }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileLeaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map((entries) => new JsonEntries(entries)),
})).value;

/** A mutation of a document, with the target chosen by index among the document's nodes (so it shrinks toward the first). */
type Mutation =
  | { kind: 'replace'; at: number; value: JsonDoc }
  | { kind: 'remove'; at: number }
  | { kind: 'add'; at: number; key: string; existingKey: boolean; value: JsonDoc; position: number }
  | { kind: 'wrap'; at: number; asArray: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat({ max: 63 }), value: fc.oneof({ weight: 4, arbitrary: hostileLeaf }, { weight: 1, arbitrary: hostileJson }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat({ max: 63 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat({ max: 63 }), key: hostileKey, existingKey: fc.boolean(), value: hostileJson, position: fc.nat({ max: 63 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat({ max: 63 }), asArray: fc.boolean() }) },
);

type Path = readonly number[];

/** Every node below the root, parents before children (entries and array items are addressed by index). */
function nodePaths(doc: JsonDoc, prefix: Path = []): Path[] {
  const children = doc instanceof JsonEntries ? doc.entries.map(([, v]) => v) : Array.isArray(doc) ? (doc as readonly JsonDoc[]) : [];
  return children.flatMap((child, i) => [[...prefix, i], ...nodePaths(child, [...prefix, i])]);
}

function containerPaths(doc: JsonDoc): Path[] {
  return [[], ...nodePaths(doc)].filter((p) => atPath(doc, p) instanceof JsonEntries);
}

function atPath(doc: JsonDoc, path: Path): JsonDoc {
  return path.reduce<JsonDoc>((node, i) => (node instanceof JsonEntries ? node.entries[i]![1] : (node as readonly JsonDoc[])[i]!), doc);
}

/** The document with the node at `path` replaced by `change(node)`; `undefined` removes it. */
function updateAt(doc: JsonDoc, path: Path, change: (node: JsonDoc) => JsonDoc | undefined): JsonDoc | undefined {
  if (path.length === 0) return change(doc);
  const [i, ...rest] = path as [number, ...number[]];
  if (doc instanceof JsonEntries) {
    const entries = doc.entries.flatMap(([k, v], j) => {
      if (j !== i) return [[k, v] as const];
      const updated = updateAt(v, rest, change);
      return updated === undefined ? [] : [[k, updated] as const];
    });
    return new JsonEntries(entries);
  }
  const items = doc as readonly JsonDoc[];
  return items.flatMap((v, j) => {
    if (j !== i) return [v];
    const updated = updateAt(v, rest, change);
    return updated === undefined ? [] : [updated];
  });
}

function applyMutation(doc: JsonDoc, m: Mutation): JsonDoc {
  if (m.kind === 'add') {
    const containers = containerPaths(doc);
    if (containers.length === 0) return doc;
    const path = containers[m.at % containers.length]!;
    return (
      updateAt(doc, path, (node) => {
        const entries = [...(node as JsonEntries).entries];
        // An existing key repeated with another value: which one a parser keeps is up to the parser.
        const key = m.existingKey && entries.length > 0 ? entries[m.position % entries.length]![0] : m.key;
        entries.splice(m.position % (entries.length + 1), 0, [key, m.value]);
        return new JsonEntries(entries);
      }) ?? doc
    );
  }
  const paths = nodePaths(doc);
  if (paths.length === 0) return m.kind === 'replace' ? m.value : doc;
  const path = paths[m.at % paths.length]!;
  const updated = updateAt(doc, path, (node) => {
    if (m.kind === 'replace') return m.value;
    if (m.kind === 'remove') return undefined;
    return m.asArray ? [node] : new JsonEntries([['value', node]]);
  });
  return updated ?? doc;
}

/**
 * Near-valid documents: a valid one (drawn from `valid`) with one to three mutations: a field replaced by a hostile
 * value or one of another type, a field removed, an entry added (a hostile key, or an existing key repeated), a value
 * wrapped in an array or object. Shrinks toward a single mutation of the first field.
 */
export function nearValid(valid: fc.Arbitrary<unknown>): fc.Arbitrary<JsonDoc> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([value, mutations]) => mutations.reduce(applyMutation, toDoc(value)));
}

/** Text that is not a JSON document of the expected shape: truncated, deep, huge, empty, of another type. */
export function brokenJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    // Truncated anywhere, or with a stray character spliced in.
    fc.tuple(valid.map((v) => JSON.stringify(v)), fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
    fc.tuple(valid.map((v) => JSON.stringify(v)), fc.nat(), hostileCharacter).map(([text, at, c]) => `${text.slice(0, at % (text.length + 1))}${c}${text.slice(at % (text.length + 1))}`),
    // Deep nesting (recursive parsers and validators), huge arrays and objects (allocation, quadratic paths).
    fc.integer({ min: 1_000, max: 50_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.integer({ min: 1_000, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    fc.integer({ min: 10_000, max: 100_000 }).map((n) => `[${'0,'.repeat(n)}0]`),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
    fc.constantFrom('', ' ', '\n', 'null', 'true', '0', '-0', '1e999', '""', '"text"', '[]', '{}', '[{}]', '{"events":[]}', '{"events":null}', '\ufeff{}', '{', '}', '{"a":1,}', "{'a':1}", 'NaN', 'undefined'),
  );
}

/** Bytes that are not UTF-8, or UTF-8 JSON with invalid sequences, a BOM or another encoding. */
export function hostileBytes(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const invalidUtf8 = fc.constantFrom(
    Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0x80]),
  );
  return fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    // A valid document with an invalid sequence inside a string value (right after the first quote).
    fc.tuple(valid.map((v) => JSON.stringify(v)), invalidUtf8).map(([text, bad]) => {
      const at = Math.max(0, text.indexOf('"', 2) + 1);
      return Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]);
    }),
    valid.map((v) => Buffer.from(JSON.stringify(v), 'utf16le')),
    valid.map((v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(v))])),
  );
}

/**
 * One hostile message or body: mostly near-valid documents (they reach the deepest code), then hostile JSON of any
 * shape, broken JSON text and raw bytes.
 */
export function hostileDocument(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: nearValid(valid).map((doc) => Buffer.from(jsonText(doc))) },
    { weight: 2, arbitrary: hostileJson.map((doc) => Buffer.from(jsonText(doc))) },
    { weight: 1, arbitrary: brokenJsonText(valid).map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: hostileBytes(valid) },
  );
}

/** The JSON files of a fixtures folder, parsed (the contracts' own valid examples). */
export function fixtures(folder: string): unknown[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as unknown);
}

/** A short, printable description of a buffer for reports: the text when it is short UTF-8, else a prefix and length. */
export function describeBytes(bytes: Buffer, max = 300): string {
  const text = bytes.toString('utf8');
  const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${shown}… (${bytes.length} bytes)` : shown;
}
