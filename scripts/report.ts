/**
 * The aggregation audit's report (issue #12): `npm run report -- <audit.json> [--out <dir>]`. See report.command.ts.
 */
import { runReportCommand } from './report.command';

runReportCommand(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) }).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
