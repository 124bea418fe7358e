import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a handler's error to the transport as it was thrown. Nest's default RPC filter replaces an unknown error by
 * `{ status: 'error', message: 'Internal server error' }`, which would hide what the transport classifies: a fence, a
 * message at fault, or infrastructure to retry.
 */
@Catch()
export class HandlerErrorFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
