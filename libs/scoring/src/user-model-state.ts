import type { BorrowingEvidenceJSON, DiagonalGaussianLogisticJSON, PersonaMixture, PersonaMixtureJSON } from '@chorus/reward';

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

/**
 * user_models.state of a user: `{"weights": <first persona>, "tau2": <τ² they were learned under>}` — exactly the single
 * deviation's row when K = 1 — plus,
 * when the user has personas to keep (K > 1: a shadow, or more than one persona), `"personas": <the mixture's state
 * without the first persona's weights>`. Readers that know one deviation keep reading `weights`, so the format needs
 * no migration either way: rows without `personas` load as one persona, and code from before personas ignores it.
 */
export function userStateText(model: PersonaMixture, tau2: number, borrowing?: StoredBorrowing): string {
  const first = model.personas[0]!.model.toJSONText();
  // Additive key: readers from before borrowing ignore it, and a warm user's row carries none.
  const extra = borrowing ? `,"borrowing":${JSON.stringify(borrowing)}` : '';
  if (model.maxPersonas === 1) return `{"weights":${first},"tau2":${tau2}${extra}}`;
  const { personas, ...rest } = model.toJSON();
  const [head, ...tail] = personas;
  const { weights: _first, ...headWithoutWeights } = head!;
  return `{"weights":${first},"tau2":${tau2},"personas":${JSON.stringify({ ...rest, personas: [headWithoutWeights, ...tail] })}${extra}}`;
}

/** The stored personas with the first persona's weights put back (undefined for a row without personas). */
export function storedPersonas(weights: DiagonalGaussianLogisticJSON, stored: StoredPersonas | undefined): PersonaMixtureJSON | undefined {
  if (!stored) return undefined;
  const [head, ...tail] = stored.personas;
  return { ...stored, personas: [{ ...head!, weights }, ...tail] } as PersonaMixtureJSON;
}
