import { normaliseCategories, type DriftMetricName, type ItemV1, type StoredDriftConfig } from '@chorus/contracts';
import { DetectorConfigs } from '../engine/detector-configs';
import { DriftEngine, type DriftEngineOptions, type DriftObserver } from '../engine/drift-engine';
import { DriftSegments, type SegmentDefinition } from '../engine/drift-segments';
import { DriftState, type AlertCandidate, type DriftSnapshot, type DriftStateOptions } from '../engine/drift-state';
import { CategoryVocabulary, ItemCatalogue } from '../engine/item-catalogue';
import type { DriftMessage } from './drift-stream.fixture';

export const DEFAULT_ENGINE_OPTIONS: DriftEngineOptions = {
  minEvents: 30,
  bucketMs: 3600_000,
  latenessMs: 60_000,
  homogenizationPairs: 200,
  polarizationMinUsers: 10,
  segmentMinUsers: 5,
  maxInputSkewMs: 6 * 3600_000,
  dedupeWindow: 64,
  rerank: true,
};

/**
 * The drift engine with everything it reads held in memory: the catalogue given, the built-in configuration (or the
 * rows given), one partition. For unit tests and the benchmark; the service wires the same engine to Kafka and
 * Postgres.
 */
export class EngineHarness {
  readonly state: DriftState;
  readonly catalogue = new ItemCatalogue();
  readonly configs = new DetectorConfigs();
  readonly segments = new DriftSegments();
  readonly engine: DriftEngine;
  readonly detections: { scope: string; metric: DriftMetricName; domain: string; outcome: string }[] = [];
  late = 0;
  private offset = 0;

  constructor(
    items: ItemV1[],
    options: Partial<DriftEngineOptions> = {},
    configRows: StoredDriftConfig[] = [],
    segments: SegmentDefinition[] = [],
    stateOptions: Partial<DriftStateOptions> = {},
  ) {
    this.state = new DriftState({ maxResidentUsers: 1_000_000, halfLife: 25, polarizationAlpha: 1.3, panelPool: 400, ...stateOptions });
    this.catalogue.install(items.map((i) => ({ itemId: i.itemId, domain: i.domain, categories: normaliseCategories(i.categories), stance: i.stance })));
    for (const domain of new Set(items.map((i) => i.domain))) {
      const categories = [...new Set(items.filter((i) => i.domain === domain).flatMap((i) => Object.keys(i.categories)))].sort();
      this.catalogue.vocabularies.set(
        domain,
        new CategoryVocabulary(domain, categories.map((category, idx) => ({ category, idx })), items.filter((i) => i.domain === domain).length),
      );
    }
    this.configs.install(configRows, configRows.reduce((max, r) => Math.max(max, r.changeId), 0));
    this.segments.install(segments, 'harness');
    const observer: DriftObserver = {
      detection: (scope, metric, domain, outcome) => void this.detections.push({ scope, metric, domain, outcome }),
      late: () => void this.late++,
    };
    this.engine = new DriftEngine(this.state, this.catalogue, this.configs, this.segments, { ...DEFAULT_ENGINE_OPTIONS, ...options }, observer);
  }

  /** Continue offset numbering from `offset` (a harness resuming another's stream). */
  skipOffsets(offset: number): void {
    this.offset = offset;
  }

  /** Applies messages in order (all on partition 0) and returns the alerts they raised. */
  run(messages: DriftMessage[]): AlertCandidate[] {
    for (const message of messages) {
      const source = { topic: message.topic, partition: 0, offset: String(this.offset++) };
      const outcome = message.topic === 'feedback' ? this.engine.applyFeedback(message.value, source) : this.engine.applyExposure(message.value, source);
      if (typeof outcome === 'object') throw new Error(`${outcome.code}: ${outcome.reason}`);
    }
    const snapshot = this.state.snapshot();
    this.points.push(...snapshot.populationPoints);
    this.segmentPoints.push(...snapshot.segmentPoints);
    return snapshot.alerts;
  }

  readonly points: DriftSnapshot['populationPoints'] = [];
  readonly segmentPoints: DriftSnapshot['segmentPoints'] = [];
}
