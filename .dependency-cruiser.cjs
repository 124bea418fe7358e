/**
 * The layering rule, executable: services → platform → {contracts, math libs}. Math libraries import no framework
 * and nothing of ours but each other, so they can be tested exhaustively and reused offline.
 */
const MATH = '^libs/(reward|drift|metrics|calibration)/';
const FRAMEWORKS = '^(@nestjs|typeorm|kafkajs|bullmq|ioredis|pg|express|prom-client|rxjs|reflect-metadata|@bull-board|zod)';

module.exports = {
  forbidden: [
    {
      name: 'math-imports-no-framework',
      comment: 'Math libraries must not import Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express, Prometheus or Zod.',
      severity: 'error',
      from: { path: MATH },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], path: FRAMEWORKS },
    },
    {
      name: 'math-imports-only-math',
      comment: 'Math libraries import nothing of ours but each other (no contracts, platform, services).',
      severity: 'error',
      from: { path: MATH },
      to: { path: '^(libs/(contracts|platform)|services|infra|scripts|bench|test)/' },
    },
    {
      name: 'contracts-stay-pure',
      comment: 'Contracts are schemas and names; they depend on nothing of ours.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: '^(libs/(platform|reward|drift|metrics|calibration)|services)/' },
    },
    {
      name: 'libs-never-import-services',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'services-are-independent',
      comment: 'A service reaches another only through Kafka, queues or HTTP, never by importing it.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.runtime)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
