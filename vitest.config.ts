import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC, not esbuild: NestJS needs emitted decorator metadata.
const alias = Object.fromEntries(
  ['contracts', 'reward', 'drift', 'metrics', 'calibration', 'simulation', 'random', 'platform', 'scoring', 'report', 'reliability', 'api-client'].map((name) => [
    `@chorus/${name}`,
    resolve(__dirname, `libs/${name}/src/index.ts`),
  ]),
);

export default defineConfig({
  plugins: [swc.vite({ swcrc: false, module: { type: 'es6' }, jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, keepClassNames: true } })],
  resolve: { alias },
  test: {
    // Off by default; scripts/test.sh turns it on for the unit and middle runs (scripts/coverage-by-service.cjs prints
    // the table). Services only: the libraries have their own measure (mutation score), and v8 coverage of everything
    // would slow each run for figures nobody reads.
    coverage: {
      provider: 'v8',
      include: ['services/*/src/**/*.ts'],
      // src/testing/ holds test doubles and fixtures (in-memory ports): test code, not the service's.
      exclude: ['**/*.spec.ts', '**/*.pg-spec.ts', '**/*.e2e-spec.ts', 'services/*/src/testing/**'],
      reporter: ['json'],
      // A run with a failing test still reports what it covered (the summary line already says it failed).
      reportOnFailure: true,
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'services/**/*.spec.ts', 'scripts/**/*.spec.ts', 'bench/**/*.spec.ts', 'infra/**/*.spec.ts', 'test/support/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The middle tier: repositories (and use cases over them) on a real migrated PostgreSQL, without Kafka.
          // Each file gets its own database from test/support/migrated-database.ts, so files run in parallel.
          name: 'middle',
          include: ['services/**/*.pg-spec.ts', 'libs/**/*.pg-spec.ts'],
          globalSetup: ['test/middle-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts', 'services/**/*.e2e-spec.ts', 'infra/**/*.e2e-spec.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Files share one broker, one Postgres and one Redis on a 2-core machine; each file isolates itself
          // (own database, own topic prefix, own queue prefix) but running two at once only adds contention and
          // makes timing-sensitive waits flaky. One fork runs the files one after another.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
