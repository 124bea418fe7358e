/**
 * A version-4 UUID (RFC 9562 §5.4: version nibble 4, variant bits 10) built from the PRNG, so a seeded run produces
 * the same event ids every time. Seed runs differently (the simulator's `eventIdSalt`) when their events must not
 * collide as idempotency keys in a live system.
 */
export function seededUuid(random: () => number): string {
  const hex: string[] = [];
  for (let k = 0; k < 4; k++) hex.push(Math.floor(random() * 4294967296).toString(16).padStart(8, '0'));
  const s = hex.join('');
  const variant = ((parseInt(s[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
