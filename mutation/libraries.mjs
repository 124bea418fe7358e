/**
 * What mutation testing covers, per library: the files Stryker mutates and the specs that may kill their mutants
 * (a library's own specs only: a mutant in libs/reward that only a libs/platform spec notices is not tested by
 * libs/reward), less `skipSpecs`. Read by stryker.config.mjs (mutate) and vitest.mutation.config.ts (include,
 * exclude).
 */
const PURE_PLATFORM = ['kafka/log-positions', 'kafka/bounded-send', 'http/private-address'];
// The pure part of the scoring library: the model priors (the scorer and the read model need Postgres).
const PURE_SCORING = ['model-priors'];

const wholeLibrary = (name) => ({ mutate: [`libs/${name}/src/**/*.ts`], specs: [`libs/${name}/src/**/*.spec.ts`] });

// The contracts' feedback decoders (the byte decoder and the object fast path) are mutated by themselves, with their
// differential specs (seeded cross-checks against the schema, ~45 s a run), and the rest of the contracts (the zod
// schemas, mostly module-level: static mutants, each of which reruns every spec of its entry) without those specs.
// Together, the two tested with every contracts spec were estimated at 6 h; a schema must be pinned by its own specs'
// literal cases, not only through a decoder's agreement with it.
const DECODERS = ['feedback-event.decoder', 'feedback-event.fast-path'];
const DECODER_SPECS = [...DECODERS.map((part) => `libs/contracts/src/${part}.spec.ts`), 'libs/contracts/src/common-fields.spec.ts'];

export const MUTATION_LIBRARIES = {
  reward: wholeLibrary('reward'),
  calibration: wholeLibrary('calibration'),
  metrics: wholeLibrary('metrics'),
  // The pure parts of the adapters library: no broker, database, Redis, DNS or HTTP behind them.
  platform: {
    mutate: PURE_PLATFORM.map((part) => `libs/platform/src/${part}.ts`),
    specs: PURE_PLATFORM.map((part) => `libs/platform/src/${part}*.spec.ts`),
  },
  scoring: {
    mutate: PURE_SCORING.map((part) => `libs/scoring/src/${part}.ts`),
    specs: PURE_SCORING.map((part) => `libs/scoring/src/${part}*.spec.ts`),
  },
  drift: wholeLibrary('drift'),
  contracts: {
    mutate: ['libs/contracts/src/**/*.ts', ...DECODERS.map((part) => `!libs/contracts/src/${part}.ts`)],
    specs: ['libs/contracts/src/**/*.spec.ts'],
    skipSpecs: DECODERS.map((part) => `libs/contracts/src/${part}.spec.ts`),
  },
  'contracts-decoders': {
    mutate: DECODERS.map((part) => `libs/contracts/src/${part}.ts`),
    specs: DECODER_SPECS,
  },
  random: wholeLibrary('random'),
};

/** The library named by CHORUS_MUTATION_LIB (set by scripts/mutation-test.sh), or an error saying what to set. */
export function mutationLibrary() {
  const name = process.env.CHORUS_MUTATION_LIB ?? '';
  if (!Object.hasOwn(MUTATION_LIBRARIES, name)) {
    throw new Error(`CHORUS_MUTATION_LIB=${JSON.stringify(name)}: expected one of ${Object.keys(MUTATION_LIBRARIES).join(', ')} (run npm run test:mutation -- <lib>)`);
  }
  return { name, ...MUTATION_LIBRARIES[name] };
}
