import { readFileSync } from 'node:fs';
import type { AuditResult } from '@chorus/simulation';
import { parseAuditResult } from './audit-result.schema';
import { ReportInputError } from './report-input.error';

/**
 * Reads and validates an audit.json.
 * @throws ReportInputError saying what is wrong (missing, a directory, empty, not JSON, wrong shape) and how to fix it.
 */
export function readAuditFile(path: string): AuditResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (error as Error).message;
    throw new ReportInputError('REPORT.FILE_UNREADABLE', `cannot read ${path}: ${why}.\nFix: give the path of the audit.json that \`npm run audit\` wrote (it prints where).`);
  }
  if (text.trim() === '') {
    throw new ReportInputError('REPORT.NOT_JSON', `${path} is empty.\nFix: the run that wrote it may have stopped before finishing; run \`npm run audit\` again.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(
      'REPORT.NOT_JSON',
      `${path} is not valid JSON (${(error as Error).message}).\nFix: give the audit.json itself; if it was cut short (a run that stopped while writing), run \`npm run audit\` again.`,
    );
  }
  return parseAuditResult(json, path);
}
