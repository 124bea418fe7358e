/**
 * `npm run generate:client`: writes the typed clients' OpenAPI types (libs/api-client/src/*.openapi.ts) from the
 * services' documents. See api-client-sources.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_CLIENT_DIR, apiClientSources } from './api-client-sources';

apiClientSources().then(
  (files) => {
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(process.cwd(), API_CLIENT_DIR, name), text);
      process.stdout.write(`wrote ${join(API_CLIENT_DIR, name)}\n`);
    }
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
