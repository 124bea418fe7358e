import { describe, expect, it } from 'vitest';
import { parseStatTicks, parseStatus, readProcStats } from './proc-stats';

describe('/proc parsing', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 9999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t11\n';
    expect(parseStatus(status)).toEqual({ rssBytes: 1024 * 1024, peakRssBytes: 2048 * 1024 });
    expect(() => parseStatus('Name:\tnode\n')).toThrow(/no VmRSS line/);
  });

  it('counts utime + stime from the last ")", whatever the command name holds', () => {
    const fields = (comm: string) => `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 269 0 0 20 0 11 0 12345 1000000 2000`;
    expect(parseStatTicks(fields('node'))).toBe(1000);
    expect(parseStatTicks(fields('a b) c (d'))).toBe(1000);
    expect(() => parseStatTicks('garbage')).toThrow(/unreadable/);
  });

  it('reads this very process: resident ≤ peak, some CPU used', () => {
    const stats = readProcStats(process.pid);
    expect(stats.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(stats.peakRssBytes).toBeGreaterThanOrEqual(stats.rssBytes);
    expect(stats.cpuSeconds).toBeGreaterThan(0);
  });
});
