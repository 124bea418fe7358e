import type { FeedbackEventV1, ItemV1 } from '@chorus/contracts';
import { plantAnnotators, type PlantedJudgment } from '@chorus/simulation';
import { describe, expect, it } from 'vitest';
import type { DriftMessage } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';

// The population signal `non-attitude-share` on planted annotators (libs/simulation): a stationary stream of mostly
// genuine annotators, and the same stream with a burst of coin-flip annotators (a bot, or a surface whose buttons stopped
// meaning anything) from bucket 30 on. One bucket = 10 minutes = 100 judgments of the stationary stream.

const START = Date.parse('2026-03-01T00:00:00Z');
const BUCKET_MS = 600_000;
const PER_BUCKET = 100;
const ITEMS = 40;

const catalogue: ItemV1[] = Array.from({ length: ITEMS }, (_, k) => ({ itemId: `item-${k}`, domain: 'movies', categories: { drama: 1 } }));

const stationary = plantAnnotators({
  seed: 15,
  itemCount: ITEMS,
  annotatorCount: 60,
  shares: { genuine: 0.75, 'non-attitude': 0.1, constructed: 0.15 },
  pairCount: 200,
  pairsPerAnnotator: 20,
  repeats: 4,
}).judgments;
const bots = plantAnnotators({
  seed: 16,
  itemCount: ITEMS,
  annotatorCount: 25,
  shares: { genuine: 0, 'non-attitude': 1, constructed: 0 },
  pairCount: 200,
  pairsPerAnnotator: 20,
  repeats: 4,
  positionBiasShare: 0,
}).judgments.map((j) => ({ ...j, userId: `bot-${j.userId}` }));

/** Judgments at evenly spaced times from `fromMs`, `perBucket` per bucket. */
function timed(judgments: readonly PlantedJudgment[], fromMs: number, perBucket: number): { at: number; judgment: PlantedJudgment }[] {
  return judgments.map((judgment, k) => ({ at: fromMs + Math.floor((k * BUCKET_MS) / perBucket), judgment }));
}

function messages(stream: { at: number; judgment: PlantedJudgment }[]): DriftMessage[] {
  return [...stream]
    .sort((a, b) => a.at - b.at)
    .map(({ at, judgment }, k): DriftMessage => {
      const value: FeedbackEventV1 = {
        eventId: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
        userId: judgment.userId,
        occurredAt: new Date(at).toISOString(),
        domain: 'movies',
        type: 'pairwise',
        chosenId: judgment.chosenId,
        rejectedId: judgment.rejectedId,
        context: { position: judgment.position, framingId: judgment.framingId },
      } as FeedbackEventV1;
      return { topic: 'feedback', value };
    });
}

function run(stream: DriftMessage[]) {
  const harness = new EngineHarness(catalogue, { bucketMs: BUCKET_MS });
  const alerts = harness.run(stream).filter((a) => a.alert.metric === 'non-attitude-share');
  const points = harness.points.filter((p) => p.metric === 'non-attitude-share').map((p) => p.value);
  return { harness, alerts, points };
}

const BURST_FROM = START + 30 * BUCKET_MS;
const quiet = messages(timed(stationary, START, PER_BUCKET));
const burst = messages([...timed(stationary, START, PER_BUCKET), ...timed(bots, BURST_FROM, PER_BUCKET)]);

describe('non-attitude share (population signal, planted annotators)', () => {
  it('raises no alert on a stationary planted stream', () => {
    const { alerts, points } = run(quiet);
    expect(points.length).toBeGreaterThanOrEqual(40);
    console.log('stationary share per bucket:', points.map((v) => v.toFixed(3)).join(' '));
    expect(alerts).toEqual([]);
  });

  it('alerts, rising, on a burst of coin-flip annotators, and only after the burst began', () => {
    const { alerts, points } = run(burst);
    console.log('burst share per bucket:', points.map((v) => v.toFixed(3)).join(' '));
    expect(alerts.length).toBeGreaterThan(0);
    for (const { alert, eventAtMs } of alerts) {
      expect(alert).toMatchObject({ scope: 'population', subject: 'movies', domain: 'movies', direction: 'up', detector: 'PageHinkley' });
      expect(eventAtMs).toBeGreaterThan(BURST_FROM);
    }
  });
});
