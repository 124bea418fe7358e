import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummaryTable, renderReportHtml } from '@chorus/report';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { AuditOptions } from './audit-options';
import { runAudit } from './audit-runner';

/**
 * The audit as a command (`npm run audit`, and `npm run demo` when MovieLens is not there): runs it with progress
 * bars, writes <out>/audit.json and report.html beside it (drawn from the same result), prints the summary.
 */
export async function runAuditCommand(options: AuditOptions, label = 'audit'): Promise<void> {
  const started = Date.now();
  mkdirSync(options.out, { recursive: true });
  process.stdout.write(
    `[${label}] ${options.users} users, ${options.items} items, ${options.rounds} rounds, policies ${options.policies.join(', ')}; ` +
      `narrowing ${options.onset === 0 ? 'none (stationary population)' : `from round ${options.onset}`}` +
      `${options.repeats > 1 ? `; ${options.repeats} runs, seeds ${options.seed}–${options.seed + options.repeats - 1}` : ''}; service logs in ${join(options.out, 'logs')}\n`,
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
  process.stdout.write(`\n${formatSummaryTable(result)}\n\n[${label}] wrote ${file} and ${report} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
