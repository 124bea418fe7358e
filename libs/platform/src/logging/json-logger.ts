import type { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured JSON logs, one line per entry. Fields such as eventId or jobId go in `fields`; payload bodies never go
 * in at info level.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: Level = 'info',
    private readonly sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  child(context: string): ContextLogger {
    return new ContextLogger(this, context);
  }

  write(level: Level, message: string, fields: Record<string, unknown> = {}, context?: string): void {
    if (rank[level] < rank[this.level]) return;
    this.sink(JSON.stringify({ time: new Date().toISOString(), level, service: this.service, context, message, ...fields }));
  }

  log(message: unknown, context?: string): void {
    this.write('info', String(message), {}, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', String(message), trace ? { trace } : {}, context);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', String(message), {}, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', String(message), {}, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('debug', String(message), {}, context);
  }
}

export class ContextLogger {
  constructor(
    private readonly root: JsonLogger,
    private readonly context: string,
  ) {}
  debug(message: string, fields?: Record<string, unknown>): void {
    this.root.write('debug', message, fields, this.context);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.root.write('info', message, fields, this.context);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.root.write('warn', message, fields, this.context);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.root.write('error', message, fields, this.context);
  }
}
