import { median } from '../scale/percentile';

/** One timed window of one side: events acknowledged per second of wall clock, and the gateway's CPU per event. */
export interface Window {
  eventsPerSecond: number;
  /** µs of the gateway process's CPU per event in this window (absent on the raw side: there is no gateway). */
  gatewayCpuMicrosPerEvent?: number;
}

export interface BatchSizeSummary {
  batchSize: number;
  rawEventsPerSecond: number;
  gatewayEventsPerSecond: number;
  /** Gateway ÷ raw, of the medians over the rounds. */
  ratio: number;
  /** Gateway ÷ raw within each round (raw, then gateway right after it): how much the ratio moved with the noise. */
  ratioPerRound: number[];
  gatewayCpuMicrosPerEvent: number;
}

/**
 * The rounds of one batch size: medians of each side's rate (a median, not the best: a shared machine's lucky window
 * flatters one side only), their ratio, each round's own ratio, and the gateway's median CPU per event.
 */
export function summarise(batchSize: number, raw: readonly Window[], gateway: readonly Window[]): BatchSizeSummary {
  if (raw.length === 0 || raw.length !== gateway.length) throw new RangeError(`need as many raw as gateway rounds, at least one; got ${raw.length} and ${gateway.length}`);
  const rawRate = median(raw.map((w) => w.eventsPerSecond));
  const gatewayRate = median(gateway.map((w) => w.eventsPerSecond));
  return {
    batchSize,
    rawEventsPerSecond: rawRate,
    gatewayEventsPerSecond: gatewayRate,
    ratio: gatewayRate / rawRate,
    ratioPerRound: gateway.map((w, i) => w.eventsPerSecond / raw[i]!.eventsPerSecond),
    gatewayCpuMicrosPerEvent: median(gateway.map((w) => w.gatewayCpuMicrosPerEvent ?? Number.NaN)),
  };
}
