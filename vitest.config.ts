import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC, not esbuild: NestJS needs emitted decorator metadata.
const alias = Object.fromEntries(
  ['contracts', 'reward', 'drift', 'metrics', 'calibration', 'simulation', 'platform', 'report'].map((name) => [
    `@chorus/${name}`,
    resolve(__dirname, `libs/${name}/src/index.ts`),
  ]),
);

export default defineConfig({
  plugins: [swc.vite({ swcrc: false, module: { type: 'es6' }, jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, keepClassNames: true } })],
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'services/**/*.spec.ts', 'scripts/**/*.spec.ts', 'infra/**/*.spec.ts', 'test/support/**/*.spec.ts'],
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
