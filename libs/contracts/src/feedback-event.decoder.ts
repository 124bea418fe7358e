import { RATING_SCALE_BOUND, type FeedbackEventV1 } from './feedback-event.v1';

// A single-pass reader of the canonical chorus.feedback.v1 message straight from a batch's latin1 text: no per-message
// utf8 decode, no intermediate JSON object, no regexes. It knows only the flat shapes `fastParseFeedbackEvent` knows
// and returns undefined at the first thing it is not sure of, so the schema (with its explanation) stays the authority.
// Agreement with feedbackEventV1 ∘ JSON.parse is property-tested in feedback-event.decoder.spec.ts.
//
// Speed notes (V8): charCodeAt is the main cost per character, so each character is read once where possible;
// character classes are table lookups, so most checks are a load and a mask; keys (with their quotes and colon) and
// literals are compared as short slices, as a native compare beats a chain of charCodeAt. Characters past `end` may be
// looked at, but a key or value that ends at or past `end` is always refused.

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const COLON = 0x3a;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;

// Character classes of the 256 latin1 codes. A code above 0xff (only in text that is not a latin1 decoding) reads as
// undefined, which masks to 0: no class, so it is refused like any other unexpected character.
const ID_CHAR = 1; // may stand raw in an external id: printable ASCII (0x21–0x7e) but not quote or backslash
const HEX_DIGIT = 2;
const DIGIT = 4;
const DOMAIN_HEAD = 8; // [a-z]
const DOMAIN_TAIL = 16; // [a-z0-9_-]
const CLASS = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) if (c !== QUOTE && c !== BACKSLASH) CLASS[c]! |= ID_CHAR;
for (const [chars, bit] of [
  ['0123456789abcdefABCDEF', HEX_DIGIT],
  ['0123456789', DIGIT],
  ['abcdefghijklmnopqrstuvwxyz', DOMAIN_HEAD],
  ['abcdefghijklmnopqrstuvwxyz0123456789_-', DOMAIN_TAIL],
] as const) {
  for (let k = 0; k < chars.length; k++) CLASS[chars.charCodeAt(k)]! |= bit;
}

// One bit per supported key: duplicates, missing and type-foreign keys are then mask tests.
const SCHEMA_VERSION = 1 << 0;
const EVENT_ID = 1 << 1;
const USER_ID = 1 << 2;
const OCCURRED_AT = 1 << 3;
const DOMAIN = 1 << 4;
const TYPE = 1 << 5;
const LIST_ID = 1 << 6;
const ITEM_ID = 1 << 7;
const VALUE = 1 << 8;
const SCALE = 1 << 9;
const CHOSEN_ID = 1 << 10;
const REJECTED_ID = 1 << 11;
const TIE = 1 << 12;

const BASE_REQUIRED = EVENT_ID | USER_ID | OCCURRED_AT | DOMAIN | TYPE;
const BASE_OPTIONAL = SCHEMA_VERSION | LIST_ID;
const STRING_KEYS = EVENT_ID | USER_ID | OCCURRED_AT | DOMAIN | TYPE | LIST_ID | ITEM_ID | CHOSEN_ID | REJECTED_ID;

// Where two keys share a first letter, the common one comes first (see KEY_BY_FIRST_CHAR).
const KEYS: readonly (readonly [name: string, bit: number])[] = [
  ['eventId', EVENT_ID],
  ['userId', USER_ID],
  ['occurredAt', OCCURRED_AT],
  ['domain', DOMAIN],
  ['type', TYPE],
  ['listId', LIST_ID],
  ['itemId', ITEM_ID],
  ['value', VALUE],
  ['scale', SCALE],
  ['chosenId', CHOSEN_ID],
  ['rejectedId', REJECTED_ID],
  ['tie', TIE],
  ['schemaVersion', SCHEMA_VERSION],
];

// By bit index: what stands between the ',' (or '{') before a key and its value in the canonical (JSON.stringify, no
// whitespace) form, opening quote included for string values. One native slice compare then does the work of the key
// scan, the colon and the quote.
const GLUE: string[] = [];
for (const [name, bit] of KEYS) GLUE[31 - Math.clz32(bit)] = `"${name}":${(STRING_KEYS & bit) !== 0 ? '"' : ''}`;
/** By bit index: the key's name in quotes, for keys with whitespace after them. */
const QUOTED: string[] = [];
for (const [name, bit] of KEYS) QUOTED[31 - Math.clz32(bit)] = `"${name}"`;

// The key to try by the first letter of its name, with its glue; then the one to try next (scale/schemaVersion and
// type/tie share a letter).
const KEY_BY_FIRST_CHAR = new Uint16Array(128);
const GLUE_BY_FIRST_CHAR: string[] = new Array<string>(128).fill(''); // '' only where KEY_BY_FIRST_CHAR is 0
const NEXT_KEY_BY_FIRST_CHAR = new Uint16Array(128);
for (const [name, bit] of KEYS) {
  const first = name.charCodeAt(0);
  if (KEY_BY_FIRST_CHAR[first] !== 0) {
    NEXT_KEY_BY_FIRST_CHAR[first] = bit;
  } else {
    KEY_BY_FIRST_CHAR[first] = bit;
    GLUE_BY_FIRST_CHAR[first] = GLUE[31 - Math.clz32(bit)]!;
  }
}

const RATING = 1;
const CLICK = 2;
const SKIP = 3;
const PAIRWISE = 4;

/** JSON's four whitespace characters (JSON.parse accepts no others, e.g. not \v, \f or U+00A0). */
function isJsonSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

function skipSpace(text: string, i: number, end: number): number {
  while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * End (index of the closing quote) of an external id starting at i: 1–128 characters, each printable ASCII other than
 * the quote and the backslash. That is the id rule (externalIdIssue in common-fields.ts) restricted to what the decoder
 * reads: of ASCII the rule refuses exactly the space and the controls (C0 and DEL), and ID_CHAR excludes all of them;
 * escapes (\u0000, \ud800, …) and non-ASCII bytes (C1 controls, U+00A0, U+2028, lone surrogates' bytes) are never
 * read here but declined to the schema. One ASCII character is one UTF-16 unit, so the 128 limit is the rule's.
 * -1 when not sure.
 */
function idEnd(text: string, i: number, end: number): number {
  const limit = Math.min(end, i + 129); // 128 characters and the closing quote
  let j = i;
  while (j < limit && (CLASS[text.charCodeAt(j)]! & ID_CHAR) !== 0) j++;
  return j > i && j < limit && text.charCodeAt(j) === QUOTE ? j : -1;
}

/** Bitwise AND of the classes of text[from, to): has `bit` set only if every character has. */
function classesOf(text: string, from: number, to: number): number {
  let all = 0xff;
  for (let k = from; k < to; k++) all &= CLASS[text.charCodeAt(k)]!;
  return all;
}

/**
 * End of a UUID starting at i, as the schema's pattern has it: 8-4-4-4-12 hex digits (either case) with version 1–8
 * and variant 8, 9, a or b (either case), or exactly the nil UUID, or the max UUID in lowercase. -1 otherwise.
 */
function uuidEnd(text: string, i: number, end: number): number {
  if (i + 36 >= end) return -1;
  const hex = classesOf(text, i, i + 8) & classesOf(text, i + 9, i + 13) & classesOf(text, i + 14, i + 18) & classesOf(text, i + 19, i + 23) & classesOf(text, i + 24, i + 36);
  const punctuation = (text.charCodeAt(i + 8) ^ MINUS) | (text.charCodeAt(i + 13) ^ MINUS) | (text.charCodeAt(i + 18) ^ MINUS) | (text.charCodeAt(i + 23) ^ MINUS) | (text.charCodeAt(i + 36) ^ QUOTE);
  if ((hex & HEX_DIGIT) === 0 || punctuation !== 0) return -1;
  const version = text.charCodeAt(i + 14);
  const variant = text.charCodeAt(i + 19) | 0x20;
  if (version >= 0x31 && version <= 0x38 && (variant === 0x38 || variant === 0x39 || variant === 0x61 || variant === 0x62)) return i + 36;
  // The two special UUIDs the pattern names (rare: worth no speed).
  const candidate = text.slice(i, i + 36);
  return candidate === '00000000-0000-0000-0000-000000000000' || candidate === 'ffffffff-ffff-ffff-ffff-ffffffffffff' ? i + 36 : -1;
}

/**
 * The decimal value of the two characters at i when both are ASCII digits; negative otherwise. Branch-free, so a
 * timestamp's fourteen digits cost one test: OR the results and look at the sign.
 */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - ZERO;
  const b = text.charCodeAt(i + 1) - ZERO;
  return (a | (9 - a) | b | (9 - b)) < 0 ? -1 : a * 10 + b;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * End of an ISO-8601 timestamp starting at i, exactly as the schema's pattern (z.iso.datetime({ offset: true })) has
 * it: YYYY-MM-DDTHH:MM:SS, optional fraction of one or more digits, then Z or ±HH:MM; real calendar dates (Feb 29 in
 * Gregorian leap years only, years 0000–9999); uppercase T and Z only; no leap second. -1 otherwise.
 */
function timestampEnd(text: string, i: number, end: number): number {
  if (i + 20 >= end) return -1; // the shortest form, YYYY-MM-DDTHH:MM:SSZ, and its closing quote
  const century = twoDigits(text, i);
  const yy = twoDigits(text, i + 2);
  const month = twoDigits(text, i + 5);
  const day = twoDigits(text, i + 8);
  const hour = twoDigits(text, i + 11);
  const minute = twoDigits(text, i + 14);
  const second = twoDigits(text, i + 17);
  // Each term is negative exactly when its check fails: digits, 1 ≤ month ≤ 12, day ≥ 1, hh ≤ 23, mm, ss ≤ 59.
  const ranges = century | yy | (month - 1) | (12 - month) | (day - 1) | hour | (23 - hour) | minute | (59 - minute) | second | (59 - second);
  const separators = (text.charCodeAt(i + 4) ^ MINUS) | (text.charCodeAt(i + 7) ^ MINUS) | (text.charCodeAt(i + 10) ^ UPPER_T) | (text.charCodeAt(i + 13) ^ COLON) | (text.charCodeAt(i + 16) ^ COLON);
  if (ranges < 0 || separators !== 0 || day > daysInMonth(century * 100 + yy, month)) return -1;
  let j = i + 19;
  if (text.charCodeAt(j) === DOT) {
    const digits = ++j;
    while (j < end && (CLASS[text.charCodeAt(j)]! & DIGIT) !== 0) j++;
    if (j === digits) return -1;
  }
  if (j >= end) return -1;
  const zone = text.charCodeAt(j);
  if (zone === UPPER_Z) {
    j++;
  } else if (zone === PLUS || zone === MINUS) {
    if (j + 6 >= end) return -1;
    const offsetHours = twoDigits(text, j + 1);
    const offsetMinutes = twoDigits(text, j + 4);
    if ((offsetHours | (23 - offsetHours) | offsetMinutes | (59 - offsetMinutes)) < 0 || text.charCodeAt(j + 3) !== COLON) return -1;
    j += 6;
  } else {
    return -1;
  }
  return j < end && text.charCodeAt(j) === QUOTE ? j : -1;
}

/** End of a domain name starting at i: [a-z][a-z0-9_-]{0,63}, then the closing quote. -1 otherwise. */
function domainEnd(text: string, i: number, end: number): number {
  if (i >= end || (CLASS[text.charCodeAt(i)]! & DOMAIN_HEAD) === 0) return -1;
  const limit = Math.min(end, i + 65);
  let j = i + 1;
  while (j < limit && (CLASS[text.charCodeAt(j)]! & DOMAIN_TAIL) !== 0) j++;
  return j < limit && text.charCodeAt(j) === QUOTE ? j : -1;
}

function isDigit(text: string, j: number): boolean {
  return (CLASS[text.charCodeAt(j)]! & DIGIT) !== 0;
}

/** End of a JSON number token starting at i: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?. -1 otherwise. */
function numberEnd(text: string, i: number, end: number): number {
  let j = i;
  if (j < end && text.charCodeAt(j) === MINUS) j++;
  if (j >= end || !isDigit(text, j)) return -1;
  if (text.charCodeAt(j++) !== ZERO) while (j < end && isDigit(text, j)) j++;
  if (j < end && text.charCodeAt(j) === DOT) {
    const digits = ++j;
    while (j < end && isDigit(text, j)) j++;
    if (j === digits) return -1;
  }
  if (j < end && (text.charCodeAt(j) | 0x20) === LOWER_E) {
    j++;
    if (j < end && (text.charCodeAt(j) === PLUS || text.charCodeAt(j) === MINUS)) j++;
    const digits = j;
    while (j < end && isDigit(text, j)) j++;
    if (j === digits) return -1;
  }
  return j;
}

/**
 * Reads the JSON number at i into `numberRead` and returns its end, or -1. The value is Number() of the token, the
 * conversion JSON.parse makes, bit for bit; a one-character token is a digit and is its own value without the slice.
 */
function readNumber(text: string, i: number, end: number): number {
  const j = numberEnd(text, i, end);
  if (j >= 0) numberRead = j === i + 1 ? text.charCodeAt(i) - ZERO : Number(text.slice(i, j));
  return j;
}

// Results of readKey, readNumber and readScale, which return the index where they stopped (module state: decoding is
// synchronous and each decode sets these before it reads them).
let keyRead = 0;
let numberRead = 0;
let scaleMin = 1;
let scaleMax = 5;

/** The schema's default scale as JSON.stringify writes it, which is how the gateway forwards every plain rating. */
const DEFAULT_SCALE = '{"min":1,"max":5}';

/** Reads `{"min": number, "max": number}` (either order, JSON whitespace) starting at its opening brace. */
function readScale(text: string, i: number, end: number): number {
  if (i + DEFAULT_SCALE.length <= end && text.slice(i, i + DEFAULT_SCALE.length) === DEFAULT_SCALE) {
    scaleMin = 1;
    scaleMax = 5;
    return i + DEFAULT_SCALE.length;
  }
  let seen = 0; // 1: min, 2: max
  for (;;) {
    i = skipSpace(text, i + 1, end); // past '{' or ','
    if (i + 5 >= end || text.charCodeAt(i) !== QUOTE) return -1;
    const key = text.slice(i + 1, i + 5);
    const bit = key === 'min"' ? 1 : key === 'max"' ? 2 : 0;
    if (bit === 0 || (seen & bit) !== 0) return -1;
    seen |= bit;
    i = skipSpace(text, i + 5, end);
    if (i >= end || text.charCodeAt(i) !== COLON) return -1;
    i = skipSpace(text, i + 1, end);
    const j = readNumber(text, i, end);
    if (j < 0) return -1;
    if (bit === 1) scaleMin = numberRead;
    else scaleMax = numberRead;
    i = skipSpace(text, j, end);
    if (i >= end) return -1;
    const next = text.charCodeAt(i);
    if (next === RIGHT_BRACE) return seen === 3 ? i + 1 : -1;
    if (next !== COMMA) return -1;
  }
}

/** The type literal and its closing quote starting at i (after its opening quote), or 0. */
function typeAt(text: string, i: number): number {
  switch (text.charCodeAt(i)) {
    case 0x72 /* r */:
      return text.slice(i, i + 7) === 'rating"' ? RATING : 0;
    case 0x63 /* c */:
      return text.slice(i, i + 6) === 'click"' ? CLICK : 0;
    case 0x73 /* s */:
      return text.slice(i, i + 5) === 'skip"' ? SKIP : 0;
    case 0x70 /* p */:
      return text.slice(i, i + 9) === 'pairwise"' ? PAIRWISE : 0;
    default:
      return 0;
  }
}

function typeName(type: number): 'rating' | 'click' | 'skip' | 'pairwise' {
  return type === RATING ? 'rating' : type === CLICK ? 'click' : type === SKIP ? 'skip' : 'pairwise';
}

/**
 * Where the value of the key starting at i (at its opening quote, whitespace allowed before it and around the colon)
 * begins — past the opening quote for string values — with the key's bit in `keyRead`; -1 for an unknown key or
 * anything else unexpected. The general path: whitespace around a key, and whatever the first-letter guess misses.
 */
function readKey(text: string, i: number, end: number): number {
  i = skipSpace(text, i, end);
  // The key its first letter names, or the other one with that letter; any other name is not a key we know (an
  // escape such as \u0065 in it never matches, so escaped keys are refused too).
  const first = text.charCodeAt(i + 1) & 0x7f;
  let key = KEY_BY_FIRST_CHAR[first]!;
  if (key === 0) return -1;
  let quoted = QUOTED[31 - Math.clz32(key)]!;
  if (text.slice(i, i + quoted.length) !== quoted) {
    if ((key = NEXT_KEY_BY_FIRST_CHAR[first]!) === 0) return -1;
    quoted = QUOTED[31 - Math.clz32(key)]!;
    if (text.slice(i, i + quoted.length) !== quoted) return -1;
  }
  keyRead = key;
  i = skipSpace(text, i + quoted.length, end);
  if (i >= end || text.charCodeAt(i) !== COLON) return -1;
  i = skipSpace(text, i + 1, end);
  if ((key & STRING_KEYS) === 0) return i;
  return i < end && text.charCodeAt(i) === QUOTE ? i + 1 : -1;
}

/**
 * Decodes the chorus.feedback.v1 message whose bytes are text[start, end), where `text` is a latin1 decoding of the
 * bytes of a whole Kafka batch (one char per byte; callers do buffer.latin1Slice / toString('latin1') once per batch).
 * Returns exactly what feedbackEventV1.parse(JSON.parse(utf8 text of those bytes)) returns, or undefined when it is not
 * sure (the caller then falls back to parseFeedbackMessage on the utf8 text, which also explains errors).
 *
 * Sure means: pure ASCII (so latin1 and utf8 agree), strings without escapes, only the keys `fastParseFeedbackEvent`
 * knows for the event's type, each once, the only nested value a rating's `scale` of exactly {min, max}. Strings in the
 * result are substrings of `text`; in V8 those of 13 or more characters reference `text` rather than copy it, so an
 * event kept long keeps its batch's text alive.
 *
 * @example
 * const text = Buffer.from('{"eventId":"0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01","userId":"u-1","occurredAt":"2026-11-27T10:00:00Z","domain":"movies","type":"rating","itemId":"m-1","value":4}', 'utf8').toString('latin1');
 * decodeFeedbackEvent(text, 0, text.length);
 * // → { eventId: '0b8f…1a01', userId: 'u-1', occurredAt: '2026-11-27T10:00:00Z', domain: 'movies', type: 'rating',
 * //     itemId: 'm-1', value: 4, scale: { min: 1, max: 5 } }
 */
export function decodeFeedbackEvent(text: string, start: number, end: number): FeedbackEventV1 | undefined {
  if (!(start >= 0 && start < end && end <= text.length)) return undefined;
  let i = start;
  if (text.charCodeAt(i) !== LEFT_BRACE) {
    i = skipSpace(text, i, end);
    if (i >= end || text.charCodeAt(i) !== LEFT_BRACE) return undefined;
  }

  let seen = 0;
  let eventId = '';
  let userId = '';
  let occurredAt = '';
  let domain = '';
  let type = 0;
  let listId = '';
  let itemId = '';
  let value = 0;
  let chosenId = '';
  let rejectedId = '';
  let tie = false;
  scaleMin = 1; // the schema's default scale
  scaleMax = 5;

  for (;;) {
    // At '{' or ','. The key named by the next letter, in the canonical form (no whitespace, see GLUE); else any key.
    const first = text.charCodeAt(i + 2) & 0x7f; // a code above 0x7f finds a key whose glue (with its letter) fails
    let key = KEY_BY_FIRST_CHAR[first]!;
    let next = -1;
    if (key !== 0) {
      const glue = GLUE_BY_FIRST_CHAR[first]!;
      if (text.slice(i + 1, i + 1 + glue.length) === glue) {
        next = i + 1 + glue.length;
      } else if ((key = NEXT_KEY_BY_FIRST_CHAR[first]!) !== 0) {
        const other = GLUE[31 - Math.clz32(key)]!;
        if (text.slice(i + 1, i + 1 + other.length) === other) next = i + 1 + other.length;
      }
    }
    if (next >= 0) {
      i = next;
      // A string's glue ends with its opening quote; other values may still have whitespace before them.
      if ((key & STRING_KEYS) === 0 && i < end && isJsonSpace(text.charCodeAt(i))) i = skipSpace(text, i, end);
    } else {
      if ((i = readKey(text, i + 1, end)) < 0) return undefined;
      key = keyRead;
    }
    if ((seen & key) !== 0) return undefined; // a duplicate (JSON.parse would keep the last)
    if (i >= end) return undefined;
    seen |= key;
    // At the value's first character (past the opening quote for strings).
    let j: number;
    switch (key) {
      case EVENT_ID:
        if ((j = uuidEnd(text, i, end)) < 0) return undefined;
        eventId = text.slice(i, j);
        i = j + 1;
        break;
      case OCCURRED_AT:
        if ((j = timestampEnd(text, i, end)) < 0) return undefined;
        occurredAt = text.slice(i, j);
        i = j + 1;
        break;
      case DOMAIN:
        if ((j = domainEnd(text, i, end)) < 0) return undefined;
        domain = text.slice(i, j);
        i = j + 1;
        break;
      case TYPE:
        if ((type = typeAt(text, i)) === 0) return undefined;
        i += typeName(type).length + 1;
        break;
      case USER_ID:
        if ((j = idEnd(text, i, end)) < 0) return undefined;
        userId = text.slice(i, j);
        i = j + 1;
        break;
      case ITEM_ID:
        if ((j = idEnd(text, i, end)) < 0) return undefined;
        itemId = text.slice(i, j);
        i = j + 1;
        break;
      case LIST_ID:
        if ((j = idEnd(text, i, end)) < 0) return undefined;
        listId = text.slice(i, j);
        i = j + 1;
        break;
      case CHOSEN_ID:
        if ((j = idEnd(text, i, end)) < 0) return undefined;
        chosenId = text.slice(i, j);
        i = j + 1;
        break;
      case REJECTED_ID:
        if ((j = idEnd(text, i, end)) < 0) return undefined;
        rejectedId = text.slice(i, j);
        i = j + 1;
        break;
      case VALUE:
        if ((i = readNumber(text, i, end)) < 0) return undefined;
        value = numberRead;
        break;
      case SCALE:
        if (text.charCodeAt(i) !== LEFT_BRACE || (i = readScale(text, i, end)) < 0) return undefined;
        break;
      case TIE: {
        const word = text.slice(i, i + 4);
        if (word === 'true') (tie = true), (i += 4);
        else if (word === 'fals' && text.charCodeAt(i + 4) === LOWER_E) (tie = false), (i += 5);
        else return undefined;
        break;
      }
      default:
        // SCHEMA_VERSION: 1, 1.0 and 1e0 are all the literal 1 once parsed.
        if ((i = readNumber(text, i, end)) < 0 || numberRead !== 1) return undefined;
    }
    // Past the value: ',' for another key, '}' for the end. (A string's closing quote lies before `end`: checked.)
    if (i < end) {
      const c = text.charCodeAt(i);
      if (c === COMMA) continue;
      if (c !== RIGHT_BRACE) {
        i = skipSpace(text, i, end);
        if (i < end && text.charCodeAt(i) === COMMA) continue;
      }
    }
    if (i >= end || text.charCodeAt(i) !== RIGHT_BRACE) return undefined;
    break;
  }
  if (i + 1 !== end && skipSpace(text, i + 1, end) !== end) return undefined; // trailing garbage: JSON.parse throws

  let required = BASE_REQUIRED;
  let allowed = BASE_OPTIONAL;
  if (type === RATING) {
    required |= ITEM_ID | VALUE;
    allowed |= SCALE;
    // Finite, ordered scale and the value on it: the schema's refinements. A huge exponent gives ±Infinity.
    if (!(Number.isFinite(value) && Number.isFinite(scaleMin) && Number.isFinite(scaleMax) && scaleMax > scaleMin)) return undefined;
    if (!(Math.abs(scaleMin) <= RATING_SCALE_BOUND && Math.abs(scaleMax) <= RATING_SCALE_BOUND)) return undefined;
    if (!(value >= scaleMin && value <= scaleMax)) return undefined;
  } else if (type === PAIRWISE) {
    required |= CHOSEN_ID | REJECTED_ID;
    allowed |= TIE;
    if (chosenId === rejectedId) return undefined;
  } else {
    required |= ITEM_ID;
  }
  if ((seen & required) !== required || (seen & ~(required | allowed)) !== 0) return undefined;

  // Built in the schema's key order (base, listId, type, then the type's own keys), as its output is, so that even
  // JSON.stringify of the two agrees; one literal per type for the common case keeps the object shapes few.
  if ((seen & BASE_OPTIONAL) === 0) {
    switch (type) {
      case RATING:
        return { eventId, userId, occurredAt, domain, type: 'rating', itemId, value, scale: { min: scaleMin, max: scaleMax } };
      case PAIRWISE:
        return (seen & TIE) === 0
          ? { eventId, userId, occurredAt, domain, type: 'pairwise', chosenId, rejectedId }
          : { eventId, userId, occurredAt, domain, type: 'pairwise', chosenId, rejectedId, tie };
      default:
        return { eventId, userId, occurredAt, domain, type: type === CLICK ? 'click' : 'skip', itemId };
    }
  }
  const event: Record<string, unknown> = {};
  if ((seen & SCHEMA_VERSION) !== 0) event.schemaVersion = 1;
  event.eventId = eventId;
  event.userId = userId;
  event.occurredAt = occurredAt;
  event.domain = domain;
  if ((seen & LIST_ID) !== 0) event.listId = listId;
  event.type = typeName(type);
  if (type === PAIRWISE) {
    event.chosenId = chosenId;
    event.rejectedId = rejectedId;
    if ((seen & TIE) !== 0) event.tie = tie;
  } else {
    event.itemId = itemId;
    if (type === RATING) {
      event.value = value;
      event.scale = { min: scaleMin, max: scaleMax };
    }
  }
  return event as unknown as FeedbackEventV1;
}
