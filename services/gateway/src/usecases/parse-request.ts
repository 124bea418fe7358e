import { parseWith } from '@chorus/contracts';
import { DomainError } from '@chorus/platform';
import type { z } from 'zod';

/**
 * Parses a request part (body, query, one path parameter) with a contract schema; a failure is REQUEST.INVALID (400)
 * listing each offending field. `root` names a single value (a path parameter such as `id`) in the issues.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what: string, root = ''): z.output<S> {
  const parsed = parseWith(schema, input, root);
  if (!parsed.ok) throw new DomainError('REQUEST.INVALID', `${what} is not valid; fix the fields listed`, parsed.issues);
  return parsed.value;
}
