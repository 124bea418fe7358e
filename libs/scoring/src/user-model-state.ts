import type { DiagonalGaussianLogisticJSON, PersonaMixture, PersonaMixtureJSON } from '@chorus/reward';

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
export function userStateText(model: PersonaMixture, tau2: number): string {
  const first = model.personas[0]!.model.toJSONText();
  if (model.maxPersonas === 1) return `{"weights":${first},"tau2":${tau2}}`;
  const { personas, ...rest } = model.toJSON();
  const [head, ...tail] = personas;
  const { weights: _first, ...headWithoutWeights } = head!;
  return `{"weights":${first},"tau2":${tau2},"personas":${JSON.stringify({ ...rest, personas: [headWithoutWeights, ...tail] })}}`;
}

/** The stored personas with the first persona's weights put back (undefined for a row without personas). */
export function storedPersonas(weights: DiagonalGaussianLogisticJSON, stored: StoredPersonas | undefined): PersonaMixtureJSON | undefined {
  if (!stored) return undefined;
  const [head, ...tail] = stored.personas;
  return { ...stored, personas: [{ ...head!, weights }, ...tail] } as PersonaMixtureJSON;
}
