import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { callerKeyOf, DomainError } from '@chorus/platform';
import type { Response } from 'express';
import { OpenStreams } from '../usecases/open-streams.registry';

/**
 * On the alert stream, after the key was verified: registers the stream under its key, or refuses it (429) when the
 * key already holds NOTIFIER_MAX_STREAMS_PER_KEY streams here. The registration ends with the response, and lets a
 * revocation of the key end the stream.
 */
@Injectable()
export class StreamCapGuard implements CanActivate {
  constructor(@Inject(OpenStreams) private readonly streams: OpenStreams) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = callerKeyOf(context.switchToHttp().getRequest<object>());
    if (!caller) throw new DomainError('AUTH.MISSING_KEY', 'the alert stream needs an API key with the subscriber scope ("Authorization: Bearer <key>")');
    const response = context.switchToHttp().getResponse<Response>();
    const release = this.streams.open(caller.id, (reason) => endStream(response, reason));
    if (!release) {
      throw new DomainError(
        'QUOTA.STREAMS_EXCEEDED',
        `this key already has ${this.streams.maxPerKey} alert streams open (NOTIFIER_MAX_STREAMS_PER_KEY); close one, or share one stream between consumers`,
      );
    }
    response.once('close', release);
    return true;
  }
}

/** End a stream from outside its controller: with a closing comment once it has started, else by dropping the socket. */
function endStream(response: Response, reason: string): void {
  if (response.writableEnded || response.destroyed) return;
  if (response.headersSent) response.end(`: closing: ${reason}\n\n`);
  else response.destroy();
}
