import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummaryTable, renderReportHtml } from '@chorus/report';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { AUDIT_USAGE, parseAuditOptions, UsageError } from './audit-options';
import { runAudit } from './audit-runner';

/** `npm run audit`: the planted population through the live services, once per policy; writes <out>/audit.json and the report beside it. */
async function main(): Promise<void> {
  const options = parseAuditOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${AUDIT_USAGE}\n`);
    return;
  }
  const started = Date.now();
  mkdirSync(options.out, { recursive: true });
  process.stdout.write(
    `[audit] ${options.users} users, ${options.items} items, ${options.rounds} rounds, policies ${options.policies.join(', ')}; ` +
      `narrowing ${options.onset === 0 ? 'none (stationary population)' : `from round ${options.onset}`}; service logs in ${join(options.out, 'logs')}\n`,
  );
  const bars = new MultiBar(
    { format: ' {policy} |{bar}| round {value}/{total} {phase}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
  const byPolicy = new Map<string, SingleBar>();
  const result = await runAudit(
    options,
    options.progress
      ? ({ policy, round, rounds, phase }) => {
          let bar = byPolicy.get(policy);
          if (!bar) byPolicy.set(policy, (bar = bars.create(rounds, 0, { policy: policy.padEnd(10), phase })));
          bar.update(round, { phase: phase.padEnd(20) });
        }
      : undefined,
  ).finally(() => bars.stop());
  const file = join(options.out, 'audit.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  // The report is drawn from the same result the JSON holds (npm run report draws it again from a saved audit.json).
  const report = join(options.out, 'report.html');
  writeFileSync(report, await renderReportHtml(result));
  process.stdout.write(`\n${formatSummaryTable(result)}\n\n[audit] wrote ${file} and ${report} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main().catch((error: Error) => {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n${AUDIT_USAGE}\n` : `[audit] failed: ${error.stack ?? error.message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
