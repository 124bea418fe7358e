import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { OpenStreams } from '../usecases/open-streams.registry';
import { StreamCapGuard } from './stream-cap.guard';

describe('StreamCapGuard', () => {
  it('without a verified caller (a route misconfigured as public) it refuses with 401 instead of counting nobody', async () => {
    const streams = new OpenStreams(2);
    const context = { switchToHttp: () => ({ getRequest: () => ({}), getResponse: () => ({}) }) } as unknown as ExecutionContext;
    expect(await errorAnswer(() => new StreamCapGuard(streams).canActivate(context))).toEqual({
      status: 401,
      body: { code: 'AUTH.MISSING_KEY', message: 'the alert stream needs an API key with the subscriber scope ("Authorization: Bearer <key>")' },
    });
  });
});
