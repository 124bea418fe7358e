import { parseArgs } from 'node:util';

/** A bad command line: {@link runCommand} prints it with the script's usage and exits 2. */
export class UsageError extends Error {}

type FlagOptions = Record<string, { type: 'string'; default?: string } | { type: 'boolean'; default?: boolean }>;

/**
 * A script's flags (node:util parseArgs, strict). Node's refusals (an unknown flag, a value given to a switch) become
 * a UsageError instead of a stack trace; `--help` prints the usage and exits 0.
 */
export function parseFlags<const O extends FlagOptions>(
  usage: string,
  options: O,
  settings: { allowNegative?: boolean } = {},
): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'] {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false, allowNegative: settings.allowNegative ?? false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];
}

/** A number flag within [min, max] (an integer where asked), or a UsageError naming the flag, the range and the value. */
export function numberFlag(name: string, text: string, range: { min: number; max: number; integer?: boolean }): number {
  const value = Number(text);
  const integer = range.integer ?? false;
  if (text.trim() === '' || !Number.isFinite(value) || value < range.min || value > range.max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${range.min}, ${range.max}], got "${text}"`);
  }
  return value;
}

/**
 * Run a script's main: a UsageError is printed with the usage (exit 2), any other failure with its stack (exit 1). It
 * exits at once: a failed run may hold open clients (Kafka, Postgres) that would otherwise keep the process alive.
 */
export function runCommand(tag: string, usage: string, main: () => void | Promise<void>): void {
  const fail = (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}\n`, () => process.exit(2));
    } else {
      process.stderr.write(`[${tag}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`, () => process.exit(1));
    }
  };
  try {
    void Promise.resolve(main()).catch(fail);
  } catch (error) {
    fail(error);
  }
}
