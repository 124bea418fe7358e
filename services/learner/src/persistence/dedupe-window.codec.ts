/**
 * The retry-dedupe window as stored in `user_models.recent_event_keys`: each key (a 53-bit integer, see
 * eventDedupeKey) as a little-endian int64, oldest first. Binary because the window is rewritten with the user at every
 * commit; int64 rather than float64 so SQL can read it back (the migration's `down` does).
 */
const TWO_32 = 4294967296;

export function encodeDedupeWindow(keys: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(keys.length * 8);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out.writeUInt32LE(key % TWO_32, i * 8);
    out.writeUInt32LE(Math.floor(key / TWO_32), i * 8 + 4);
  }
  return out;
}

export function decodeDedupeWindow(bytes: Uint8Array): number[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`a dedupe window is a multiple of 8 bytes long, got ${bytes.length}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keys = new Array<number>(bytes.length / 8);
  for (let i = 0; i < keys.length; i++) {
    const high = view.readUInt32LE(i * 8 + 4);
    if (high >= 2 ** 21) throw new RangeError(`dedupe key ${i} does not fit in 53 bits; the window is corrupt`);
    keys[i] = high * TWO_32 + view.readUInt32LE(i * 8);
  }
  return keys;
}
