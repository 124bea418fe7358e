/**
 * A 32-bit FNV-1a hash of a string. Used to derive values that must be the same whenever the same key is asked for
 * (a constructed preference's framing effect for one user, item and framing) without consuming the main stream.
 */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
