import { z } from 'zod';
import { DataFileError, splitCsvLine } from './movielens-reader';

/** One row of a pairwise judgment file (issue #15's format). */
export interface FileJudgment {
  readonly line: number;
  readonly annotatorId: string;
  readonly chosenId: string;
  readonly rejectedId: string;
  readonly occurredAt?: number;
  readonly tie?: boolean;
  readonly framingId?: string;
  readonly position?: 0 | 1;
  readonly order?: number;
}

export const REQUIRED_COLUMNS = ['annotatorId', 'chosenId', 'rejectedId'] as const;
export const OPTIONAL_COLUMNS = ['occurredAt', 'tie', 'framingId', 'position', 'order'] as const;
const KNOWN: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
/** Bad rows listed in full before the rest are only counted. */
const LISTED_PROBLEMS = 20;

const id = (name: string) => z.string().trim().min(1, `${name} is empty`).max(256, `${name} is longer than 256 characters`);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
const row = z
  .object({
    annotatorId: id('annotatorId'),
    chosenId: id('chosenId'),
    rejectedId: id('rejectedId'),
    occurredAt: optional(
      z.string().transform((text, ctx) => {
        // An ISO 8601 time, or a Unix time in seconds (MovieLens and most dumps).
        const time = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
        if (!Number.isFinite(time)) {
          ctx.addIssue({ code: 'custom', message: `occurredAt "${text}" is neither an ISO 8601 time nor Unix seconds` });
          return z.NEVER;
        }
        return time;
      }),
    ),
    tie: optional(z.enum(['true', 'false', '1', '0'], { error: 'tie must be true, false, 1 or 0' }).transform((text) => text === 'true' || text === '1')),
    framingId: optional(id('framingId')),
    position: optional(z.enum(['0', '1'], { error: 'position (of chosenId) must be 0 or 1' }).transform((text) => Number(text) as 0 | 1)),
    order: optional(z.string().regex(/^\d{1,9}$/, 'order must be an integer ≥ 0').transform(Number)),
  })
  .refine((r) => r.chosenId !== r.rejectedId, { message: 'chosenId equals rejectedId; a pair needs two different items', path: ['rejectedId'] });

/**
 * Reads a pairwise judgment CSV: a header naming `annotatorId,chosenId,rejectedId` and optionally
 * `occurredAt,tie,framingId,position,order`, in any order (RFC 4180 quoting). Every row is validated; all bad rows are
 * reported at once (the first 20 in full, with line, column and what is wrong).
 *
 * @throws DataFileError on a bad header, no rows, or any bad row.
 */
export function parseJudgmentCsv(text: string, file: string): FileJudgment[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine((lines[0] ?? '').replace(/^\uFEFF/, '')).map((name) => name.trim());
  const missing = REQUIRED_COLUMNS.filter((name) => !header.includes(name));
  const unknown = header.filter((name) => !KNOWN.includes(name));
  const repeated = header.filter((name, k) => header.indexOf(name) !== k);
  if (missing.length > 0 || unknown.length > 0 || repeated.length > 0) {
    const problems = [
      missing.length > 0 ? `missing column(s) ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown column(s) ${unknown.join(', ')}` : '',
      repeated.length > 0 ? `repeated column(s) ${repeated.join(', ')}` : '',
    ].filter(Boolean);
    throw new DataFileError(file, 1, `${problems.join('; ')}. The header must name ${REQUIRED_COLUMNS.join(',')} and may add ${OPTIONAL_COLUMNS.join(',')}`);
  }
  const judgments: FileJudgment[] = [];
  const problems: string[] = [];
  let bad = 0;
  for (let k = 1; k < lines.length; k++) {
    if (lines[k]!.trim() === '') continue;
    const fields = splitCsvLine(lines[k]!);
    const problem = (message: string) => {
      if (bad++ < LISTED_PROBLEMS) problems.push(`${file}:${k + 1}: ${message}`);
    };
    if (fields.length !== header.length) {
      problem(`expected ${header.length} fields (${header.join(',')}), found ${fields.length}`);
      continue;
    }
    const parsed = row.safeParse(Object.fromEntries(header.map((name, c) => [name, fields[c]])));
    if (!parsed.success) {
      problem(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; '));
      continue;
    }
    const value = parsed.data;
    judgments.push({ line: k + 1, ...Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) } as FileJudgment);
  }
  if (bad > 0) {
    const more = bad > LISTED_PROBLEMS ? `\n… and ${bad - LISTED_PROBLEMS} more bad row(s)` : '';
    throw new Error(`${bad} bad row(s) in ${file}; fix them or remove them:\n${problems.join('\n')}${more}`);
  }
  if (judgments.length === 0) throw new DataFileError(file, 2, 'the file has a header but no judgments');
  return judgments;
}
