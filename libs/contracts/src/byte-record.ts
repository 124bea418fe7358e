/**
 * Little-endian records of numbers and short strings, for state stored as bytes (bytea): drift-watch's per-user state
 * and the learner's user_models.state. Doubles are copied 8 bytes at a time where JSON would spell and parse ~20
 * characters each. Framework-free so every reader of a stored state (services and the pure libraries) can decode it.
 */

/** Appends values to a buffer that grows by doubling; `done()` returns a copy of exactly what was written. */
export class ByteWriter {
  private buffer: Buffer;
  private at = 0;

  constructor(initialBytes = 512) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.at;
  }

  u8(x: number): void {
    this.ensure(1);
    this.buffer.writeUInt8(x, this.at);
    this.at += 1;
  }

  u16(x: number): void {
    this.ensure(2);
    this.buffer.writeUInt16LE(x, this.at);
    this.at += 2;
  }

  u32(x: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(x, this.at);
    this.at += 4;
  }

  f(x: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(x, this.at);
    this.at += 8;
  }

  /** A string of any length: u32 byte length + UTF-8. */
  text(s: string): void {
    const length = Buffer.byteLength(s);
    this.ensure(4 + length);
    this.buffer.writeUInt32LE(length, this.at);
    this.buffer.write(s, this.at + 4);
    this.at += 4 + length;
  }

  /** A short string (ids, feature names): u16 byte length + UTF-8. */
  str(s: string): void {
    const length = Buffer.byteLength(s);
    if (length > 0xffff) throw new RangeError(`a short string of a byte record is at most 65535 bytes; got ${length} (starting "${s.slice(0, 40)}")`);
    this.ensure(2 + length);
    this.buffer.writeUInt16LE(length, this.at);
    this.buffer.write(s, this.at + 2);
    this.at += 2 + length;
  }

  /** Writes a u32 now and returns where, for {@link patchU32} once the value (a section's length) is known. */
  reserveU32(): number {
    const at = this.at;
    this.u32(0);
    return at;
  }

  patchU32(at: number, x: number): void {
    this.buffer.writeUInt32LE(x, at);
  }

  done(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.at));
  }

  private ensure(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + n));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

/** Reads what ByteWriter wrote; a truncated or overlong record is an error that names `what` and the byte it failed at. */
export class ByteReader {
  private readonly buffer: Buffer;
  private at = 0;

  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.at;
  }

  get length(): number {
    return this.buffer.length;
  }

  u8(): number {
    this.need(1);
    return this.buffer.readUInt8(this.at++);
  }

  u16(): number {
    this.need(2);
    const x = this.buffer.readUInt16LE(this.at);
    this.at += 2;
    return x;
  }

  u32(): number {
    this.need(4);
    const x = this.buffer.readUInt32LE(this.at);
    this.at += 4;
    return x;
  }

  f(): number {
    this.need(8);
    const x = this.buffer.readDoubleLE(this.at);
    this.at += 8;
    return x;
  }

  text(): string {
    const length = this.u32();
    return this.utf8(length);
  }

  str(): string {
    const length = this.u16();
    return this.utf8(length);
  }

  /** Moves past n bytes (a section this reader does not know). */
  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  /** Throws unless the reader is at `end` (the end of the record when omitted): a record longer than its content is corrupt. */
  end(end = this.buffer.length): void {
    if (this.at !== end) throw new Error(`${this.what}: ${end - this.at} bytes left over after the record (corrupt bytes)`);
  }

  private utf8(length: number): string {
    this.need(length);
    const s = this.buffer.toString('utf8', this.at, this.at + length);
    this.at += length;
    return s;
  }

  private need(n: number): void {
    if (this.at + n > this.buffer.length) throw new Error(`${this.what}: truncated at byte ${this.at} of ${this.buffer.length} (corrupt bytes)`);
  }
}
