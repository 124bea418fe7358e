export interface ConfigProblem {
  key: string;
  value: string;
  expected: string;
}

/** The configuration is unusable; the message lists every bad key at once. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';

  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix these environment variables:\n` +
        problems.map((p) => `  ${p.key}=${p.value}: ${p.expected}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
