import { RERANK_JOB } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { relevanceOf } from '../usecases/calibrate-user.usecase';
import { assertOneHandlerPerJobName } from './rerank.processor';

describe('job handlers', () => {
  it('accept exactly one handler per job name', () => {
    const handler = async () => undefined;
    expect(() => assertOneHandlerPerJobName({ [RERANK_JOB.user]: handler, [RERANK_JOB.fanOut]: handler })).not.toThrow();
    expect(() => assertOneHandlerPerJobName({ [RERANK_JOB.user]: handler })).toThrow(/missing rerank-fan-out/);
    expect(() => assertOneHandlerPerJobName({ [RERANK_JOB.user]: handler, [RERANK_JOB.fanOut]: handler, other: handler })).toThrow(/orphaned other/);
  });
});

describe('relevanceOf', () => {
  it('is σ(logit): 1/2 at 0, symmetric, in [0, 1] without overflow', () => {
    expect(relevanceOf(0)).toBe(0.5);
    expect(relevanceOf(2) + relevanceOf(-2)).toBeCloseTo(1, 15);
    expect(relevanceOf(1000)).toBe(1);
    expect(relevanceOf(-1000)).toBe(0);
  });
});
