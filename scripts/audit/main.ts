import { runCommand } from '../command-line';
import { AUDIT_USAGE, parseAuditOptions } from './audit-options';
import { runAuditCommand } from './audit.command';

/** `npm run audit`: the planted population through the live services, once per policy; writes <out>/audit.json and the report beside it. */
async function main(): Promise<void> {
  const options = parseAuditOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${AUDIT_USAGE}\n`);
    return;
  }
  await runAuditCommand(options);
}

runCommand('audit', AUDIT_USAGE, main);
