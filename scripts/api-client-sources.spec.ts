import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_CLIENT_DIR, apiClientSources } from './api-client-sources';

describe('the generated API client', () => {
  it('is what `npm run generate:client` writes from the current OpenAPI documents (CI fails on a stale client)', async () => {
    const files = await apiClientSources();
    expect(Object.keys(files).sort()).toEqual(['gateway.openapi.ts', 'notifier.openapi.ts']);
    for (const [name, text] of Object.entries(files)) {
      const checkedIn = readFileSync(join(__dirname, '..', API_CLIENT_DIR, name), 'utf8');
      // One assertion per file, not a diff of 2,000 lines: the fix is always the same command.
      expect(checkedIn === text, `${API_CLIENT_DIR}/${name} is stale: run \`npm run generate:client\` and commit the result`).toBe(true);
    }
  });
});
