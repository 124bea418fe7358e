import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummaryTable, readAuditFile, renderReportHtml, ReportInputError } from '@chorus/report';

export const REPORT_USAGE = `usage: npm run report -- <audit.json> [--out <dir>]

Draws the aggregation audit's report from an audit.json (written by \`npm run audit\`): report.html in <dir> (default:
the folder of audit.json), one self-contained file, with the JSON copied beside it when it is not there already.`;

/** Where the command writes: stdout for results, stderr for what went wrong. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * `npm run report`: validates the audit file, renders report.html, copies the JSON beside it, prints the summary table.
 * Returns the exit status: 0 written, 1 the audit file is wrong (the message says what and how to fix it), 2 usage.
 */
export async function runReportCommand(argv: readonly string[], output: CommandOutput): Promise<number> {
  let values: { out?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    output.err(`${(error as Error).message}\n${REPORT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    output.out(`${REPORT_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    output.err(`${positionals.length === 0 ? 'no audit file given' : `one audit file expected, got ${positionals.length}: ${positionals.join(' ')}`}\n${REPORT_USAGE}\n`);
    return 2;
  }
  const source = resolve(positionals[0]!);
  try {
    const result = readAuditFile(source);
    const outDir = resolve(values.out ?? dirname(source));
    mkdirSync(outDir, { recursive: true });
    const jsonFileName = basename(source);
    const jsonCopy = join(outDir, jsonFileName);
    if (jsonCopy !== source) copyFileSync(source, jsonCopy);
    const started = performance.now();
    const html = await renderReportHtml(result, { jsonFileName });
    const seconds = (performance.now() - started) / 1000;
    const reportPath = join(outDir, 'report.html');
    writeFileSync(reportPath, html);
    output.out(`${formatSummaryTable(result)}\n\nwrote ${reportPath} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, rendered in ${seconds.toFixed(1)} s) beside ${jsonCopy}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    output.err(`${error.message}\n`);
    return 1;
  }
}
