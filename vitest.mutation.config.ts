import { configDefaults, defineConfig } from 'vitest/config';
import { mutationLibrary } from './mutation/libraries.mjs';
import base from './vitest.config';
import { LoadFailureReporter } from './mutation/load-failure.reporter';

/**
 * The unit specs of the library under mutation (CHORUS_MUTATION_LIB), for Stryker (`stryker.config.mjs`): the same SWC
 * transform and `@chorus/*` aliases as the unit project, without the e2e project and its global setup.
 */
const lib = mutationLibrary();

export default defineConfig({
  plugins: base.plugins,
  resolve: base.resolve,
  // Stryker's instrumented code is slower, and the machine is shared: a property spec that takes 2 s alone must not
  // fail the initial run by Vitest's 5 s default. drift's KSWIN round trip (every cut point; 7.5 s uninstrumented at
  // load ~25) passed 60 s in the initial run under `nice -n 19` at load ~30 (7 Dec 2026), which aborts the whole run.
  // A mutant that makes a spec slow is still caught by Stryker's own timeout (timeoutMS plus the dry run's time).
  test: {
    include: lib.specs,
    exclude: [...configDefaults.exclude, ...(lib.skipSpecs ?? [])],
    testTimeout: 300_000,
    reporters: [new LoadFailureReporter(), 'default'],
  },
});
