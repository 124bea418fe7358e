/**
 * The layering rule, executable: services → scoring → platform → {contracts, math libs} → random. Math libraries import no
 * framework and nothing of ours but each other and libs/random (the one seeded PRNG), so they can be tested
 * exhaustively and reused offline. libs/random imports nothing at all (of ours or a framework), so any library may
 * use it. The simulator (libs/simulation) sits beside the math libraries: no framework either, and of ours only the
 * math libraries, libs/random and the contracts (it speaks chorus.feedback.v1); nothing but services, scripts,
 * benches, tests and the report (libs/report) may build on it. No library imports infra/ or a service.
 */
const MATH = '^libs/(reward|drift|metrics|calibration|reliability)/';
const SIMULATION = '^libs/simulation/';
const RANDOM = '^libs/random/';
const REPORT = '^libs/report/';
// Matched against the resolved file (node_modules/<package>/…, or ../../<checkout>/node_modules/… when node_modules is
// a link), never the bare specifier: a pattern anchored at the package name matched nothing, so this rule could not fail.
const SERVICE_STACK = '@nestjs|typeorm|kafkajs|bullmq|ioredis|pg|express|prom-client|rxjs|reflect-metadata|@bull-board';
const FRAMEWORKS = `(^|/)node_modules/(${SERVICE_STACK}|zod)/`;
// The report validates its input with zod (its own boundary) but must not pull in the services' stack.
const SERVICE_FRAMEWORKS = `(^|/)node_modules/(${SERVICE_STACK})/`;
// Every kind of edge into an npm package (dependency-cruiser names them by how package.json lists the package).
const PACKAGE = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'];

module.exports = {
  forbidden: [
    {
      name: 'math-imports-no-framework',
      comment: 'Math libraries must not import Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express, Prometheus or Zod.',
      severity: 'error',
      from: { path: MATH },
      to: { dependencyTypes: PACKAGE, path: FRAMEWORKS },
    },
    {
      name: 'math-imports-only-math',
      comment: 'Math libraries import nothing of ours but each other and libs/random (no contracts, platform, simulation, report, services).',
      severity: 'error',
      from: { path: MATH },
      to: { path: '^(libs/(contracts|platform|scoring|simulation|report)|services|infra|scripts|bench|test)/' },
    },
    {
      name: 'random-imports-no-framework',
      comment: 'The seeded PRNG is plain arithmetic: no Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express, Prometheus or Zod.',
      severity: 'error',
      from: { path: RANDOM },
      to: { dependencyTypes: PACKAGE, path: FRAMEWORKS },
    },
    {
      name: 'random-imports-nothing-of-ours',
      comment: 'Every library may import libs/random, so it imports no library, service, script, bench or test of ours.',
      severity: 'error',
      from: { path: RANDOM },
      to: { path: '^(libs|services|infra|scripts|bench|test)/', pathNot: RANDOM },
    },
    {
      name: 'simulation-imports-no-framework',
      comment: 'The simulator is pure and seeded: no Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express, Prometheus or Zod.',
      severity: 'error',
      from: { path: SIMULATION },
      to: { dependencyTypes: PACKAGE, path: FRAMEWORKS },
    },
    {
      name: 'simulation-imports-only-math-and-contracts',
      comment: 'The simulator imports of ours only the math libraries, libs/random and the contracts (no platform, report, services, scripts).',
      severity: 'error',
      from: { path: SIMULATION },
      to: { path: '^(libs/(platform|scoring|report)|services|infra|scripts|bench|test)/' },
    },
    {
      name: 'contracts-stay-pure',
      comment: 'Contracts are schemas and names; of ours they may use only libs/random (their specs draw seeded streams from it).',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: '^(libs/(platform|scoring|reward|drift|metrics|calibration|reliability|simulation|report)|services)/' },
    },
    {
      name: 'api-client-stands-alone',
      comment: 'The typed API client is generated types plus openapi-fetch: it runs in the browser (the console), so it imports nothing of ours.',
      severity: 'error',
      from: { path: '^libs/api-client/' },
      to: { path: '^(libs|services|infra|scripts|bench|test)/', pathNot: '^libs/api-client/' },
    },
    {
      name: 'report-imports-no-service-code',
      comment:
        'The report (charts, HTML, reading) draws an AuditResult: of ours it uses the simulator and the math libraries, never the platform, services or the Nest/Kafka/Postgres stack, so a saved audit.json can be drawn anywhere.',
      severity: 'error',
      from: { path: REPORT },
      to: { path: '^(libs/(platform|scoring|contracts)|services|infra|scripts|bench|test)/' },
    },
    {
      name: 'report-imports-no-service-framework',
      comment: 'No Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express or Prometheus in the report (zod, vega and vega-lite are its own).',
      severity: 'error',
      from: { path: REPORT },
      to: { dependencyTypes: PACKAGE, path: SERVICE_FRAMEWORKS },
    },
    {
      name: 'contracts-import-no-framework',
      comment: 'Contracts are plain schemas: Zod, and no Nest, TypeORM, kafkajs, BullMQ, Redis, Postgres, Express or Prometheus.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { dependencyTypes: PACKAGE, path: FRAMEWORKS, pathNot: '(^|/)node_modules/zod/' },
    },
    {
      name: 'platform-keeps-adapters',
      comment:
        'libs/platform holds adapters (config, Kafka, Postgres, Redis queues, auth, transport): it never imports the scoring library ' +
        '(the personalized scorer, model priors and the read model of the learner\'s models). The rerank queue takes that read model as a port.',
      severity: 'error',
      from: { path: '^libs/platform/' },
      to: { path: '^libs/scoring/' },
    },
    {
      name: 'scoring-builds-on-math-and-adapters',
      comment: 'The scoring library uses the reward models, the contracts and the platform adapters; no service, script, bench, test or infra.',
      severity: 'error',
      from: { path: '^libs/scoring/' },
      to: { path: '^(libs/(drift|metrics|calibration|simulation|report)|services|infra|scripts|bench|test)/' },
    },
    {
      name: 'candidate-index-is-pure',
      comment: 'The candidate index is pure retrieval over arrays (tested against a full scan): no framework, nothing of ours but the reward library.',
      severity: 'error',
      from: { path: '^libs/scoring/src/candidate-index' },
      to: { path: `^(libs/(?!reward/|scoring/src/candidate-index)|services|infra|scripts|bench|test)/|${FRAMEWORKS}` },
    },
    {
      name: 'libs-never-import-infra',
      comment:
        'Infrastructure (migrations, the broker, Docker) builds on the libraries, never the reverse: a library that needs something from ' +
        'infra/ takes it as a parameter (createDataSource takes the migrations that infra/database/migrate-database.ts passes).',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^infra/' },
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
    // node_modules is not excluded (doNotFollow already keeps the cruise out of it): excluding it dropped every edge into
    // a package, so the framework rules never saw an import.
    exclude: { path: '(^|/)(dist|\\.runtime)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
