/**
 * A 32-bit FNV-1a hash of a string. Used to derive values that must be the same whenever the same key is asked for
 * (a constructed preference's framing effect for one user, item and framing) without consuming the main stream.
 */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A 53-bit hash of a string (cyrb53, bryc, public domain): an integer exactly representable as a double. For sets of
 * ids compared by hash, where 32 bits would collide: two different keys collide with probability ~2⁻⁵³. Not
 * cryptographic.
 */
export function stableHash53(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
