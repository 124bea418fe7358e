import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The unit specs of the libraries, for Stryker (`stryker.config.mjs`): the same SWC transform and `@chorus/*` aliases
 * as the unit project, without the e2e project and its global setup (which would start the shared infrastructure for
 * every mutant).
 */
export default defineConfig({
  plugins: base.plugins,
  resolve: base.resolve,
  test: { include: ['libs/**/*.spec.ts'] },
});
