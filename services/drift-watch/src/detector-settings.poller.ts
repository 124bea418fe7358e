import { Inject, Injectable } from '@nestjs/common';
import { JsonLogger } from '@chorus/platform';
import { DRIFT_WATCH_CONFIG, type DriftWatchConfig } from './drift-watch.config';
import { DetectorConfigs } from './engine/detector-configs';
import { DriftSegments } from './engine/drift-segments';
import { DetectorConfigRepository } from './persistence/detector-config.repository';
import { DriftSegmentRepository } from './persistence/drift-segment.repository';

/**
 * Keeps the engine's detector configuration and segments as the operator last wrote them: loaded before the first
 * batch, then polled every DRIFT_CONFIG_POLL_MS by their change stamps (a read fails: the current ones are kept).
 */
@Injectable()
export class DetectorSettingsPoller {
  private readonly log;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(DRIFT_WATCH_CONFIG) private readonly config: DriftWatchConfig,
    @Inject(DetectorConfigs) private readonly configs: DetectorConfigs,
    @Inject(DriftSegments) private readonly segments: DriftSegments,
    @Inject(DetectorConfigRepository) private readonly configRepository: DetectorConfigRepository,
    @Inject(DriftSegmentRepository) private readonly segmentRepository: DriftSegmentRepository,
    @Inject(JsonLogger) logger: JsonLogger,
  ) {
    this.log = logger.child('drift-watch');
  }

  async start(): Promise<void> {
    await this.reloadConfigs(true);
    await this.reloadSegments(true);
    this.timers = [
      setInterval(() => void this.reloadConfigs(false).catch((error: Error) => this.log.warn('reading the detector configuration failed; keeping the current one', { error: error.message })), this.config.DRIFT_CONFIG_POLL_MS),
      setInterval(() => void this.reloadSegments(false).catch((error: Error) => this.log.warn('reading the drift segments failed; keeping the current ones', { error: error.message })), this.config.DRIFT_CONFIG_POLL_MS),
    ];
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /**
   * Polls the segments' stamp, as the configuration's; reloads them when it moved. A new or replaced membership counts
   * from the next event of each member on (the open bucket of a segment holds only what its members did since).
   */
  private async reloadSegments(initial: boolean): Promise<void> {
    const stamp = await this.segmentRepository.stamp();
    if (!initial && stamp === this.segments.stamp) return;
    const definitions = await this.segmentRepository.all();
    this.segments.install(definitions, stamp);
    if (!initial) this.log.info('drift segments changed; reloaded', { segments: definitions.length });
  }

  /** Polls the configuration's change stamp; reloads (and logs) when it moved. */
  private async reloadConfigs(initial: boolean): Promise<void> {
    const stamp = await this.configRepository.stamp();
    if (!initial && stamp === this.configs.stamp) return;
    this.configs.install(await this.configRepository.latest(), stamp);
    if (!initial) this.log.info('detector configuration changed; watches rebuild under it on their next observation', { changeId: stamp });
  }
}
