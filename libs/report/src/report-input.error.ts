/** Codes of what can be wrong with the input of the report. */
export type ReportInputErrorCode = 'REPORT.FILE_UNREADABLE' | 'REPORT.NOT_JSON' | 'REPORT.NOT_AN_AUDIT_RESULT';

/** The audit file given to the report is missing, not JSON, or not an AuditResult; the message says how to fix it. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';

  constructor(
    readonly code: ReportInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
