import type { ItemV1 } from '@chorus/contracts';
import { gaussian, mulberry32, randomIndex } from '@chorus/random';
import { SimulationInputError } from './simulation-input.error';

/** A taste: a distribution over categories (what a persona likes). */
export interface TasteSpec {
  readonly name: string;
  /** Category → weight; renormalised to sum 1. */
  readonly profile: Readonly<Record<string, number>>;
}

/** One of a user's personas and its share of the user's sessions. */
export interface PersonaShare {
  readonly taste: string;
  /** Share of sessions in which this persona chooses; a group's shares sum to 1. */
  readonly weight: number;
}

/** How a group's users judge pairs (issue #15's planted annotator behaviour). */
export type LabelBehaviour = 'genuine' | 'non-attitude' | 'constructed';

/** A planted group of users. */
export interface GroupSpec {
  readonly name: string;
  readonly kind: 'majority' | 'minority' | 'mixed';
  /** Share of the population; the groups' shares sum to 1. */
  readonly share: number;
  /** One persona for a single-taste group, two or more (with their mix) for a mixed one. */
  readonly personas: readonly PersonaShare[];
  /** Latent stance ~ N(mean, sd²) clipped to [−1, 1]. Default { mean: 0, sd: 0.4 }. */
  readonly stance?: { readonly mean: number; readonly sd: number };
  /** Pairwise behaviour; default 'genuine'. */
  readonly labelBehaviour?: LabelBehaviour;
}

/** Options of {@link plantPopulation}; every field has a default (see DEFAULT_POPULATION_OPTIONS). */
export interface PopulationOptions {
  readonly seed?: number;
  readonly domain?: string;
  readonly categories?: readonly string[];
  readonly itemCount?: number;
  readonly userCount?: number;
  /** An item's weight on its primary category; the rest goes to one other category. */
  readonly primaryCategoryWeight?: number;
  /** Items carry a stance in [−1, 1] (opinion domains). */
  readonly opinion?: boolean;
  /** Item quality (the part of utility every user shares) ~ N(0, qualitySd²). */
  readonly qualitySd?: number;
  /** Utility of a perfect taste match: strength · Σ_g p_k(g) w_i(g). */
  readonly tasteStrength?: number;
  /** Utility offset; the outside option ("choose nothing") is 0, so negative means users are choosy. */
  readonly baseline?: number;
  /** Utility of stance agreement: stanceAffinity · s_u · s_i. */
  readonly stanceAffinity?: number;
  /** Planted τ² (issue #16): a user's own category deviation δ_u(g) ~ N(0, τ²), independent per category. */
  readonly deviationVariance?: number;
  /** Susceptibility ρ: each consumption moves the active persona's profile and the stance a share ρ toward the item. */
  readonly susceptibility?: number;
  readonly tastes?: readonly TasteSpec[];
  readonly groups?: readonly GroupSpec[];
  /** Mixed into the event-id stream so two live runs with one seed do not reuse idempotency keys. Default 0. */
  readonly eventIdSalt?: number;
  /**
   * Prefix of item and user ids (`sim` → `sim-i-0001`, `sim-u-0001`). Catalogue item ids are global across domains, so
   * two populations served by one stack (the audit's `news` and `code`) need different prefixes. Default `sim`.
   */
  readonly idPrefix?: string;
}

export const DEFAULT_POPULATION_OPTIONS = {
  seed: 1,
  domain: 'news',
  categories: ['drama', 'documentary', 'comedy', 'horror'],
  itemCount: 120,
  userCount: 200,
  primaryCategoryWeight: 0.8,
  opinion: true,
  qualitySd: 0.5,
  tasteStrength: 5,
  baseline: -3,
  stanceAffinity: 1,
  deviationVariance: 0.1,
  susceptibility: 0,
  eventIdSalt: 0,
  idPrefix: 'sim',
  tastes: [
    { name: 'mainstream', profile: { drama: 1 } },
    { name: 'niche', profile: { documentary: 1 } },
  ],
  groups: [
    { name: 'majority', kind: 'majority', share: 0.6, personas: [{ taste: 'mainstream', weight: 1 }] },
    { name: 'minority', kind: 'minority', share: 0.2, personas: [{ taste: 'niche', weight: 1 }] },
    {
      name: 'mixed',
      kind: 'mixed',
      share: 0.2,
      personas: [
        { taste: 'mainstream', weight: 0.7 },
        { taste: 'niche', weight: 0.3 },
      ],
    },
  ],
} as const satisfies Required<PopulationOptions>;

/** A catalogue item with its planted truth. */
export interface SimulatedItem {
  /** A valid external id (`sim-i-0001`). */
  readonly id: string;
  readonly index: number;
  /** Category → weight, summing to 1 (what the catalogue publishes). */
  readonly categories: Readonly<Record<string, number>>;
  /** The same weights over `population.categories`, by index. */
  readonly weights: Float64Array;
  readonly primaryCategory: string;
  /** In [−1, 1] in opinion domains. */
  readonly stance?: number;
  /** Shared appeal (the aggregate's item intercept has this to learn). */
  readonly quality: number;
}

/** A persona held by one user; its profile is the user's own copy (susceptibility moves it). */
export interface UserPersona {
  readonly taste: string;
  readonly weight: number;
  readonly profile: Float64Array;
}

/** A user with planted truth. Mutable: consumption moves `personas[k].profile` and `stance` when susceptible. */
export interface SimulatedUser {
  /** A valid external id (`sim-u-0001`). */
  readonly id: string;
  readonly index: number;
  readonly group: string;
  readonly kind: GroupSpec['kind'];
  readonly personas: UserPersona[];
  /** δ_u: the user's own category deviation, drawn from N(0, τ²). */
  readonly deviation: Float64Array;
  stance: number;
  readonly initialStance: number;
  readonly labelBehaviour: LabelBehaviour;
}

/** A planted population: its items, users and the one random stream every later draw comes from. */
export interface Population {
  readonly options: Readonly<Required<PopulationOptions>>;
  readonly domain: string;
  readonly categories: readonly string[];
  readonly items: readonly SimulatedItem[];
  readonly itemById: ReadonlyMap<string, SimulatedItem>;
  readonly users: readonly SimulatedUser[];
  readonly userById: ReadonlyMap<string, SimulatedUser>;
  readonly groups: readonly GroupSpec[];
  /** The session stream: choices, candidate draws and noise all come from here, in order. */
  readonly random: () => number;
  /** Event ids come from their own stream so that salting them does not change any choice. */
  readonly eventIdRandom: () => number;
}

/**
 * Plants a population with known truth (DESIGN §9): items with category weights (each mostly one category, round-robin
 * so categories are equally stocked), a quality and, in opinion domains, a uniform stance in [−1, 1]; users in the
 * groups' shares (largest remainder), each holding the group's personas, a latent stance and a deviation δ_u ~ N(0, τ²).
 *
 * Deterministic: the same options give the same population, and `population.random` then yields the same sessions.
 * A population is consumed by a run (users' tastes move when susceptible, the stream advances): plant a fresh one with
 * the same seed for each policy to compare.
 *
 * @throws SimulationInputError naming the option when counts, shares, weights or names do not fit together.
 */
export function plantPopulation(options: PopulationOptions = {}): Population {
  const resolved = { ...DEFAULT_POPULATION_OPTIONS, ...options } as Required<PopulationOptions>;
  validate(resolved);
  const random = mulberry32(resolved.seed);
  const { categories } = resolved;
  const categoryIndex = new Map(categories.map((name, g) => [name, g]));
  const tasteProfile = new Map(
    resolved.tastes.map((taste) => [taste.name, profileVector(taste, categoryIndex)] as const),
  );

  const items: SimulatedItem[] = [];
  for (let i = 0; i < resolved.itemCount; i++) {
    const primary = i % categories.length;
    const weights = new Float64Array(categories.length);
    if (categories.length === 1 || resolved.primaryCategoryWeight === 1) weights[primary] = 1;
    else {
      const secondary = (primary + 1 + randomIndex(random, categories.length - 1)) % categories.length;
      weights[primary] = resolved.primaryCategoryWeight;
      weights[secondary] = 1 - resolved.primaryCategoryWeight;
    }
    const record: Record<string, number> = {};
    weights.forEach((w, g) => {
      if (w > 0) record[categories[g]!] = w;
    });
    const quality = resolved.qualitySd * gaussian(random);
    const stance = resolved.opinion ? roundStance(2 * random() - 1) : undefined;
    items.push({
      id: `${resolved.idPrefix}-i-${String(i + 1).padStart(4, '0')}`,
      index: i,
      categories: record,
      weights,
      primaryCategory: categories[primary]!,
      ...(stance === undefined ? {} : { stance }),
      quality,
    });
  }

  const users: SimulatedUser[] = [];
  const sizes = groupSizes(resolved.groups, resolved.userCount);
  const tau = Math.sqrt(resolved.deviationVariance);
  resolved.groups.forEach((group, g) => {
    const stanceSpec = group.stance ?? { mean: 0, sd: 0.4 };
    for (let k = 0; k < sizes[g]!; k++) {
      const index = users.length;
      const deviation = new Float64Array(categories.length);
      for (let c = 0; c < categories.length; c++) deviation[c] = tau * gaussian(random);
      const stance = roundStance(Math.max(-1, Math.min(1, stanceSpec.mean + stanceSpec.sd * gaussian(random))));
      users.push({
        id: `${resolved.idPrefix}-u-${String(index + 1).padStart(4, '0')}`,
        index,
        group: group.name,
        kind: group.kind,
        personas: group.personas.map((persona) => ({
          taste: persona.taste,
          weight: persona.weight,
          profile: tasteProfile.get(persona.taste)!.slice(),
        })),
        deviation,
        stance,
        initialStance: stance,
        labelBehaviour: group.labelBehaviour ?? 'genuine',
      });
    }
  });

  return {
    options: resolved,
    domain: resolved.domain,
    categories: [...categories],
    items,
    itemById: new Map(items.map((item) => [item.id, item])),
    users,
    userById: new Map(users.map((user) => [user.id, user])),
    groups: resolved.groups,
    random,
    eventIdRandom: mulberry32((resolved.seed ^ 0x5eed1d5 ^ Math.imul(resolved.eventIdSalt, 0x9e3779b1)) >>> 0),
  };
}

/** The catalogue as chorus.items.v1 records (what the live audit PUTs to the gateway before the first round). */
export function catalogueItems(population: Population): ItemV1[] {
  return population.items.map((item) => ({
    itemId: item.id,
    domain: population.domain,
    categories: { ...item.categories },
    ...(item.stance === undefined ? {} : { stance: item.stance }),
  }));
}

/** Group sizes by largest remainder, so they sum to userCount exactly and follow the planted shares. */
export function groupSizes(groups: readonly GroupSpec[], userCount: number): number[] {
  const exact = groups.map((group) => group.share * userCount);
  const sizes = exact.map(Math.floor);
  let left = userCount - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((x, g) => [x - Math.floor(x), g] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) sizes[order[k % order.length]![1]]! += 1;
  return sizes;
}

// Stances are kept to 1e-6 so they print short and survive JSON exactly; the clip keeps them in [−1, 1].
function roundStance(stance: number): number {
  return Math.round(stance * 1e6) / 1e6;
}

function profileVector(taste: TasteSpec, categoryIndex: ReadonlyMap<string, number>): Float64Array {
  const vector = new Float64Array(categoryIndex.size);
  let total = 0;
  for (const [category, weight] of Object.entries(taste.profile)) {
    const g = categoryIndex.get(category);
    if (g === undefined) {
      throw new SimulationInputError(
        `taste "${taste.name}" names category "${category}", which is not in categories [${[...categoryIndex.keys()].join(', ')}]; add it there or fix the name`,
      );
    }
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new SimulationInputError(`taste "${taste.name}": category "${category}" has weight ${weight}; weights must be finite and ≥ 0`);
    }
    vector[g] = weight;
    total += weight;
  }
  if (!(total > 0)) throw new SimulationInputError(`taste "${taste.name}" has no positive category weight; give it at least one`);
  for (let g = 0; g < vector.length; g++) vector[g] = vector[g]! / total;
  return vector;
}

const ID_PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const ID_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

function validate(o: Required<PopulationOptions>): void {
  const fail = (message: string): never => {
    throw new SimulationInputError(message);
  };
  const positiveInteger = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) fail(`${name} is ${value}; it must be an integer ≥ 1`);
  };
  const finiteAtLeast = (name: string, value: number, min: number) => {
    if (!Number.isFinite(value) || value < min) fail(`${name} is ${value}; it must be a finite number ≥ ${min}`);
  };
  if (!Number.isInteger(o.seed)) fail(`seed is ${o.seed}; it must be an integer`);
  if (!ID_PATTERN.test(o.domain)) fail(`domain is ${JSON.stringify(o.domain)}; use a Chorus domain name such as "news"`);
  if (o.categories.length === 0 || new Set(o.categories).size !== o.categories.length) {
    fail(`categories must be a non-empty list of distinct names; got [${o.categories.join(', ')}]`);
  }
  positiveInteger('itemCount', o.itemCount);
  positiveInteger('userCount', o.userCount);
  if (!(o.primaryCategoryWeight > 0 && o.primaryCategoryWeight <= 1)) {
    fail(`primaryCategoryWeight is ${o.primaryCategoryWeight}; it must lie in (0, 1] (1 = single-category items)`);
  }
  finiteAtLeast('qualitySd', o.qualitySd, 0);
  finiteAtLeast('tasteStrength', o.tasteStrength, 0);
  finiteAtLeast('baseline', o.baseline, -Infinity);
  finiteAtLeast('stanceAffinity', o.stanceAffinity, -Infinity);
  finiteAtLeast('deviationVariance', o.deviationVariance, 0);
  if (!(o.susceptibility >= 0 && o.susceptibility <= 1)) fail(`susceptibility is ${o.susceptibility}; it must lie in [0, 1] (0 = none)`);
  if (!Number.isInteger(o.eventIdSalt)) fail(`eventIdSalt is ${o.eventIdSalt}; it must be an integer`);
  if (!ID_PREFIX_PATTERN.test(o.idPrefix)) fail(`idPrefix is ${JSON.stringify(o.idPrefix)}; use 1–32 lowercase letters, digits or "-", starting with a letter`);
  const tastes = new Set(o.tastes.map((t) => t.name));
  if (tastes.size !== o.tastes.length) fail('tastes must have distinct names');
  if (o.groups.length === 0) fail('groups must name at least one group');
  const shareSum = o.groups.reduce((sum, g) => sum + g.share, 0);
  if (Math.abs(shareSum - 1) > 1e-9 || o.groups.some((g) => !(g.share >= 0))) {
    fail(`group shares must be ≥ 0 and sum to 1; they sum to ${shareSum}`);
  }
  for (const group of o.groups) {
    if (group.personas.length === 0) fail(`group "${group.name}" has no personas; give it at least one taste`);
    const mix = group.personas.reduce((sum, p) => sum + p.weight, 0);
    if (Math.abs(mix - 1) > 1e-9 || group.personas.some((p) => !(p.weight > 0))) {
      fail(`group "${group.name}": persona weights must be > 0 and sum to 1 (e.g. 0.7 and 0.3); they sum to ${mix}`);
    }
    for (const persona of group.personas) {
      if (!tastes.has(persona.taste)) fail(`group "${group.name}" names taste "${persona.taste}", which is not in tastes`);
    }
    if (group.stance && !(Number.isFinite(group.stance.mean) && group.stance.sd >= 0)) {
      fail(`group "${group.name}": stance needs a finite mean and an sd ≥ 0`);
    }
  }
}
