import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { driftWatchConfigSchema, loadDriftWatchConfig } from '../../services/drift-watch/src/drift-watch.config';
import { gatewayConfigSchema, loadGatewayConfig } from '../../services/gateway/src/gateway.config';
import { learnerConfigSchema, loadLearnerConfig } from '../../services/learner/src/learner.config';
import { loadNotifierConfig, notifierConfigSchema } from '../../services/notifier/src/notifier.config';
import { loadRerankerConfig, rerankerConfigSchema } from '../../services/reranker/src/reranker.config';

/**
 * docker-compose.yml cannot be started on a machine without a Docker engine, so these checks hold it to the code it
 * deploys: every Chorus service boots with exactly the environment compose gives it (the same config loader the
 * service runs), sets no variable its configuration does not read (a typo would be ignored silently), runs a command
 * that the build produces, and uses the Kafka version the local broker runs.
 */
const root = resolve(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
}
// Compose resolves `<<:` merge keys (the shared x-chorus-* blocks); js-yaml's core schema needs the tag added.
const compose = load(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as {
  services: Record<string, ComposeService>;
  'x-chorus-env': Record<string, string | number | boolean>;
};

/** The container environment: values as strings, `${VAR:-default}` as compose interpolates it with VAR unset. */
function environmentOf(service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(compose.services[service]?.environment ?? {})) {
    env[key] = String(value).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
  }
  return env;
}

const chorusServices: Record<string, { schema: z.ZodObject; load: (env: NodeJS.ProcessEnv) => unknown; main: string }> = {
  gateway: { schema: gatewayConfigSchema, load: loadGatewayConfig, main: 'services/gateway/src/main' },
  learner: { schema: learnerConfigSchema, load: loadLearnerConfig, main: 'services/learner/src/main' },
  'drift-watch': { schema: driftWatchConfigSchema, load: loadDriftWatchConfig, main: 'services/drift-watch/src/main' },
  reranker: { schema: rerankerConfigSchema, load: loadRerankerConfig, main: 'services/reranker/src/main' },
  notifier: { schema: notifierConfigSchema, load: loadNotifierConfig, main: 'services/notifier/src/main' },
};
const sharedKeys = Object.keys(compose['x-chorus-env']);

describe('docker-compose.yml', () => {
  it('runs every Chorus service, and nothing it does not know how to build', () => {
    const built = Object.entries(compose.services).filter(([, service]) => service.build).map(([name]) => name);
    expect(built.sort()).toEqual([...Object.keys(chorusServices), 'migrate'].sort());
  });

  describe.each(Object.entries(chorusServices))('%s', (name, service) => {
    const env = environmentOf(name);

    it('boots with the environment compose gives it', () => {
      expect(() => service.load(env)).not.toThrow();
    });

    it('sets only variables its configuration reads (the shared block aside)', () => {
      const known = new Set(Object.keys(service.schema.shape));
      const unknown = Object.keys(env).filter((key) => !known.has(key) && !sharedKeys.includes(key));
      expect(unknown).toEqual([]);
    });

    it('runs the main module the build compiles, for the SERVICE the image is built with', () => {
      const { command, build } = compose.services[name]!;
      expect(command).toEqual(['node', `dist/${service.main}.js`]);
      expect(build?.args?.SERVICE).toBe(name);
      expect(existsSync(resolve(root, `${service.main}.ts`))).toBe(true);
    });

    it('publishes the port the service listens on, if it publishes one', () => {
      const config = service.load(env) as Record<string, unknown>;
      for (const mapping of compose.services[name]!.ports ?? []) {
        const containerPort = Number(mapping.split(':').at(-1));
        const portKeys = Object.keys(config).filter((key) => key.endsWith('_PORT'));
        expect(portKeys.map((key) => config[key])).toContain(containerPort);
      }
    });
  });

  it('shares the variables every service reads from one block, each read by at least one service', () => {
    const readBySome = new Set(Object.values(chorusServices).flatMap((service) => Object.keys(service.schema.shape)));
    expect(sharedKeys.filter((key) => !readBySome.has(key))).toEqual([]);
  });

  it('migrates with the command the build compiles', () => {
    expect(compose.services.migrate!.command).toEqual(['node', 'dist/infra/database/migrate.js']);
    expect(existsSync(resolve(root, 'infra/database/migrate.ts'))).toBe(true);
  });

  it('runs the Kafka version the local broker runs (infra/kafka/pom.xml)', () => {
    const pom = readFileSync(resolve(root, 'infra/kafka/pom.xml'), 'utf8');
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${version}`);
  });
});
