import type { ArgumentsHost } from '@nestjs/common';
import { HttpErrorFilter } from '@chorus/platform';

/** What a client gets for an error: the status and JSON body the services' real HttpErrorFilter writes. */
export interface ErrorAnswer {
  status: number;
  body: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/**
 * Awaits a call expected to fail (a controller or use case method) and answers what HTTP would: the real exception
 * filter writes into a recording response. Fails the test when the call succeeds. For unit specs that call controllers
 * directly, so that "a missing alert is a 404 naming the id" is stated without a server.
 */
export async function errorAnswer(call: Promise<unknown> | (() => unknown)): Promise<ErrorAnswer> {
  let error: unknown;
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error('expected the call to fail, but it succeeded');
  const answer: Partial<ErrorAnswer> = {};
  const response = {
    setHeader: () => response,
    status(status: number) {
      answer.status = status;
      return response;
    },
    json(body: ErrorAnswer['body']) {
      answer.body = body;
      return response;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new HttpErrorFilter().catch(error, host);
  return answer as ErrorAnswer;
}
