import { DEFAULT_POPULATION_OPTIONS, planNarrowing, plantPopulation, type GroupSpec, type NarrowingSchedule, type Population, type TasteSpec } from '@chorus/simulation';
import type { AuditOptions } from './audit-options';

/**
 * The category the planted users narrow onto: drama, the majority's taste and so what pooled and aggregate serving
 * already serve most — the echo-chamber case, where a user's taste closes onto what the system shows. (Narrowing onto
 * a category the lists rarely hold gives drift-watch about one consumption per round to see it by.)
 */
export const NARROWING_CATEGORY = 'drama';

/**
 * The broad group: users who hold all four tastes at once (a session draws one). Narrowing is planted among them,
 * because a user whose taste already sits on one category cannot narrow further; the half that does not narrow is
 * the stationary control of the same kind.
 */
const BROAD: GroupSpec = {
  name: 'broad',
  kind: 'mixed',
  share: 0.2,
  personas: [
    { taste: 'mainstream', weight: 0.25 },
    { taste: 'niche', weight: 0.25 },
    { taste: 'light', weight: 0.25 },
    { taste: 'dark', weight: 0.25 },
  ],
};

const TASTES: readonly TasteSpec[] = [
  ...DEFAULT_POPULATION_OPTIONS.tastes,
  { name: 'light', profile: { comedy: 1 } },
  { name: 'dark', profile: { horror: 1 } },
];

/** The audit's news population: the default groups (majority, minority, mixed), resized to make room for `broad`. */
export function newsPopulation(options: AuditOptions): Population {
  const [majority, minority, mixed] = DEFAULT_POPULATION_OPTIONS.groups;
  return plantPopulation({
    seed: options.seed,
    domain: 'news',
    userCount: options.users,
    itemCount: options.items,
    susceptibility: options.susceptibility,
    tastes: TASTES,
    groups: [{ ...majority, share: 0.5 }, { ...minority, share: 0.15 }, { ...mixed, share: 0.15 }, BROAD],
  });
}

/**
 * The code population: as many broad users as the news population has, with the same seed and planted narrowing, in
 * `code`, a domain whose policy does not call narrowing harm (libs/contracts BUILT_IN_DOMAIN_POLICY). No stances.
 */
export function codePopulation(options: AuditOptions, newsBroadUsers: number): Population {
  return plantPopulation({
    seed: options.seed,
    domain: 'code',
    idPrefix: 'code',
    opinion: false,
    userCount: Math.max(1, newsBroadUsers),
    itemCount: options.items,
    susceptibility: options.susceptibility,
    tastes: TASTES,
    groups: [{ ...BROAD, share: 1 }],
  });
}

/** The narrowing planted in a population (undefined when `--onset 0`: a stationary population). */
export function narrowingOf(population: Population, options: AuditOptions): NarrowingSchedule | undefined {
  if (options.onset === 0) return undefined;
  return planNarrowing(population, { onsetRound: options.onset, category: NARROWING_CATEGORY, share: options.narrowingShare, groups: ['broad'], seed: options.seed });
}
