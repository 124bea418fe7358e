import { PageHinkley } from '@chorus/drift';
import {
  listCategoryEntropy,
  NEAR_PURE_PERSONAL_TAU2,
  plantPopulation,
  POOLED_TAU2,
  runOffline,
  STANDARD_POLICIES,
  type AuditAlert,
  type AuditResult,
  type DetectionScore,
  type PolicyRunResult,
  type PopulationOptions,
} from '@chorus/simulation';

/** Options of {@link offlineAuditResult}. */
export interface OfflineAuditOptions {
  /** Population (seed, sizes, groups, susceptibility, …); defaults to the simulator's default population with ρ = 0.05. */
  readonly population?: PopulationOptions;
  /** Rounds per policy. Default 20. */
  readonly rounds?: number;
  /** Served list length. Default 10. */
  readonly listLength?: number;
  /** Candidates per user and round. Default 40. */
  readonly candidateCount?: number;
  /** Policies to run, by name in STANDARD_POLICIES. Default all four. */
  readonly policies?: readonly string[];
  /** ISO time to stamp the result with. Default a fixed time, so only `seconds` (measured) differs between two runs. */
  readonly generatedAt?: string;
}

/** What each standard policy is, in the words the report shows. */
const DESCRIPTIONS: Readonly<Record<string, { description: string; tau2: number; calibrated: boolean }>> = {
  'aggregate-only': { description: 'every user is served the population model’s ranking (τ² = 0)', tau2: 0, calibrated: false },
  pooled: { description: 'personal deviations pooled toward the population model (default τ²)', tau2: POOLED_TAU2, calibrated: false },
  'near-pure-personal': { description: 'personal deviations barely pulled toward the population (large τ²)', tau2: NEAR_PURE_PERSONAL_TAU2, calibrated: false },
  'pooled-calibrated': { description: 'pooled model, lists calibrated to the user’s interest profile (Steck, λ = 0.5)', tau2: POOLED_TAU2, calibrated: true },
};

/**
 * Detector settings of the offline stand-in for drift-watch: Page–Hinkley watching for a fall of a user's exposure
 * entropy (narrowing). The offline loop has no drift-watch, so the alerts of this fixture come from the same detector
 * library drift-watch uses, fed the same kind of signal; they make the alert timeline realistic, not a measurement of
 * the service.
 */
const NARROWING_DETECTOR = { minInstances: 5, delta: 0.01, threshold: 0.6, mode: 'down' } as const;

/**
 * An {@link AuditResult} computed with the offline closed loop of libs/simulation instead of the live services: each
 * standard policy runs on its own freshly planted population (same seed), the truth-side measures come from
 * `runOffline`, alerts from Page–Hinkley detectors over each user's exposure entropy (see NARROWING_DETECTOR), reranks
 * per round are the calibrated lists the calibrated policy served (users with a click so far: its profile exists), and
 * detection is scored as false alarms on a population where nothing was planted. Seeded: the same options give the same
 * result but for each run's measured `seconds`. It is the report's development data and its test fixture generator.
 */
export function offlineAuditResult(options: OfflineAuditOptions = {}): AuditResult {
  const populationOptions: PopulationOptions = { susceptibility: 0.05, ...options.population };
  const rounds = options.rounds ?? 20;
  const listLength = options.listLength ?? 10;
  const candidateCount = options.candidateCount ?? 40;
  const names = options.policies ?? Object.keys(STANDARD_POLICIES);
  const runs: PolicyRunResult[] = names.map((name) => runPolicy(name, populationOptions, rounds, listLength, candidateCount));
  const sample = plantPopulation(populationOptions);
  const groups: Record<string, number> = {};
  for (const user of sample.users) groups[user.group] = (groups[user.group] ?? 0) + 1;
  const detection: DetectionScore[] = runs.map((run) => ({
    domain: sample.domain,
    policy: run.policy,
    plantedOnsetRound: undefined,
    plantedUsers: 0,
    detectedUsers: 0,
    recall: undefined,
    meanDelayRounds: undefined,
    falseAlarmsPer1000UserRounds: (1000 * run.alerts.filter((alert) => alert.scope === 'user').length) / (sample.users.length * rounds),
  }));
  return {
    kind: 'audit',
    title: 'Aggregation audit (offline loop, simulated population)',
    generatedAt: options.generatedAt ?? '2026-12-07T00:00:00.000Z',
    seed: sample.options.seed,
    population: { users: sample.users.length, items: sample.items.length, domain: sample.domain, groups },
    options: { source: 'offline loop (libs/simulation)', rounds, listLength, candidateCount, susceptibility: sample.options.susceptibility },
    runs,
    detection,
  };
}

function runPolicy(name: string, populationOptions: PopulationOptions, rounds: number, listLength: number, candidateCount: number): PolicyRunResult {
  const factory = STANDARD_POLICIES[name];
  const known = DESCRIPTIONS[name];
  if (!factory || !known) throw new Error(`unknown policy "${name}"; the standard policies are ${Object.keys(STANDARD_POLICIES).join(', ')}`);
  const population = plantPopulation(populationOptions);
  const detectors = new Map<string, PageHinkley>();
  const clicked = new Set<string>();
  const alerts: AuditAlert[] = [];
  const reranksPerRound = new Array<number>(rounds).fill(0);
  const started = Date.now();
  const run = runOffline(population, factory, {
    rounds,
    listLength,
    candidateCount,
    warmupRounds: 1,
    onSession: (session, round, list) => {
      // The calibrated policy reranks a user's list once it has a profile (after the user's first click).
      if (known.calibrated && round > 0 && clicked.has(session.userId)) reranksPerRound[round]! += 1;
      if (session.events.some((event) => event.type === 'click')) clicked.add(session.userId);
      let detector = detectors.get(session.userId);
      if (!detector) detectors.set(session.userId, (detector = new PageHinkley(NARROWING_DETECTOR)));
      if (detector.update(listCategoryEntropy(population, list)).driftDetected) {
        const group = population.userById.get(session.userId)!.group;
        alerts.push({ round, scope: 'user', metric: 'exposure-entropy', domain: population.domain, severity: 'warning', subject: session.userId, group });
      }
    },
  });
  return {
    policy: name,
    description: known.description,
    tau2: known.tau2,
    calibrated: known.calibrated,
    rounds: run.rounds,
    events: run.events,
    alerts,
    reranksPerRound,
    seconds: (Date.now() - started) / 1000,
  };
}
