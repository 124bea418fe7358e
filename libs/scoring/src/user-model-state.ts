import type { BorrowingEvidenceJSON, DiagonalGaussianLogisticJSON, PersonaMixtureJSON } from '@chorus/reward';

/**
 * Cold-start borrowing's per-user state (issue #16), the `borrowing` key of user_models.state, kept by the learner
 * while the user is cold: the guard's evidence (every scored event's log-loss gain of aggregate + donor over the
 * aggregate alone) and the donor chosen after the user's last event — the one the next event is scored with, and
 * the profile the gateway serves when the guard says yes. The donor's id is internal (never in an HTTP answer).
 */
export interface StoredBorrowing {
  donor?: { userId: string; means: Record<string, number> };
  evidence: BorrowingEvidenceJSON;
}

/**
 * The personas of user_models.state (issue #16) as stored beside `weights`: PersonaMixtureJSON without the first
 * persona's weights, which are `weights` itself.
 */
export type StoredPersonas = Omit<PersonaMixtureJSON, 'personas'> & {
  personas: (Omit<PersonaMixtureJSON['personas'][number], 'weights'> & { weights?: DiagonalGaussianLogisticJSON })[];
};

/** The stored personas with the first persona's weights put back (undefined for a row without personas). */
export function storedPersonas(weights: DiagonalGaussianLogisticJSON, stored: StoredPersonas | undefined): PersonaMixtureJSON | undefined {
  if (!stored) return undefined;
  const [head, ...tail] = stored.personas;
  return { ...stored, personas: [{ ...head!, weights }, ...tail] } as PersonaMixtureJSON;
}
