import type { z } from 'zod';

/** One thing wrong with an input: where (a dotted path such as `events[3].value`) and what to do about it. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Render a Zod path as `a.b[2].c`, rooted at `root` when given. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Zod's issues as ValidationIssues. A record key that fails its schema is reported at the record (`categories`), with
 * the key quoted and what is wrong with it, instead of Zod's bare "Invalid key in record" at a path holding the key
 * itself (which may hold the very control character being refused).
 */
export function toIssues(error: z.ZodError, root = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'invalid_key') {
      const reasons = issue.issues.map((inner) => inner.message).join('; ');
      return { path: formatPath(issue.path.slice(0, -1), root), message: `key ${JSON.stringify(issue.path[issue.path.length - 1] ?? '')}: ${reasons}` };
    }
    return { path: formatPath(issue.path, root), message: issue.message };
  });
}

/** Parse with a schema and return issues instead of throwing. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, root = ''): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toIssues(result.error, root) };
}

/** Parse a JSON text (a Kafka message value) with a schema; malformed JSON is an issue at the root, not an exception. */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string | null | undefined): Parsed<z.output<S>> {
  if (text == null || text === '') return { ok: false, issues: [{ path: '(root)', message: 'empty message: expected a JSON object' }] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: '(root)', message: `not valid JSON (${(error as Error).message})` }] };
  }
  return parseWith(schema, json);
}
