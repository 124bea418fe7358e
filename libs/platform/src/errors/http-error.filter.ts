import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from './domain-error';
import { RateLimitedError } from './rate-limited.error';

/** Error code → HTTP status, in one place. Anything unmapped from the domain is a 422. */
const statusByCode: ReadonlyMap<string, number> = new Map(Object.entries({
  'REQUEST.INVALID': 400,
  'REQUEST.TOO_LARGE': 413,
  'AUTH.MISSING_KEY': 401,
  'AUTH.INVALID_KEY': 401,
  'AUTH.MISSING_SCOPE': 403,
  'AUTH.ROUTE_UNDECLARED': 403,
  'AUTH.TOO_MANY_LOOKUPS': 429,
  'QUOTA.EXCEEDED': 429,
  'QUOTA.STREAMS_EXCEEDED': 429,
  'USER.NOT_FOUND': 404,
  'ITEM.NOT_FOUND': 404,
  'MODEL.NOT_FOUND': 404,
  'KAFKA.UNAVAILABLE': 503,
  'RERANK.INVALID_JOB': 400,
  'RERANK.JOB_NOT_FOUND': 404,
  'RERANK.NOT_RECORDED': 503,
  'DRIFT.ALERT_NOT_FOUND': 404,
  'DRIFT.SEGMENT_NOT_FOUND': 404,
  // A subscription owned by another key is reported exactly like a missing one: ids must not probe other tenants.
  'SUBSCRIPTION.NOT_FOUND': 404,
  'SUBSCRIPTION.LIMIT_REACHED': 409,
  'WEBHOOK.URL_REFUSED': 400,
}));

/** Codes for the client errors Express's body parser raises (http-errors with `expose`), by status. */
const codeByClientStatus: ReadonlyMap<number, string> = new Map([
  [400, 'REQUEST.INVALID'],
  [413, 'REQUEST.TOO_LARGE'],
  [415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE'],
]);

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof DomainError) {
      if (error instanceof RateLimitedError && error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
      response.status(statusByCode.get(error.code) ?? 422).json({ code: error.code, message: error.message, issues: error.issues });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
      // Express's body parser reports oversize and malformed JSON bodies as HttpExceptions; give them our codes.
      // The rate limiter (@nestjs/throttler) throws a 429 HttpException, after setting Retry-After on the response.
      const code = status === 413 ? 'REQUEST.TOO_LARGE' : status === 400 ? 'REQUEST.INVALID' : status === 404 ? 'ROUTE.NOT_FOUND' : status === 429 ? 'QUOTA.EXCEEDED' : 'HTTP.ERROR';
      response.status(status).json({ code, message: Array.isArray(message) ? message.join('; ') : String(message) });
      return;
    }
    const typed = error as { type?: string; status?: number; expose?: boolean; message?: string };
    if (typed?.type === 'entity.too.large') {
      response.status(413).json({ code: 'REQUEST.TOO_LARGE', message: `request body too large: ${typed.message}; send smaller batches` });
      return;
    }
    if (typed?.type === 'entity.parse.failed') {
      response.status(400).json({ code: 'REQUEST.INVALID', message: `body is not valid JSON: ${typed.message}` });
      return;
    }
    // Any other client error of the body parser: an unsupported charset or Content-Encoding (415), a body that is not
    // what its Content-Encoding says or that ended early (400). `expose` marks the message as safe to show.
    if (typed?.expose === true && typeof typed.status === 'number' && typed.status >= 400 && typed.status < 500) {
      const code = codeByClientStatus.get(typed.status) ?? 'REQUEST.INVALID';
      const hint = typed.status === 415 ? '; send JSON as UTF-8 (Content-Type: application/json) without Content-Encoding, or gzip/deflate' : '';
      response.status(typed.status).json({ code, message: `${typed.message ?? 'the request body could not be read'}${hint}` });
      return;
    }
    response.status(500).json({ code: 'INTERNAL', message: 'internal error; see the service log' });
    // Surface the cause to the process log: a 500 is always a bug to look at.
    process.stderr.write(`${JSON.stringify({ level: 'error', message: 'unhandled error', error: String((error as Error)?.stack ?? error) })}\n`);
  }
}
