import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the kernel says about a process: resident and peak resident memory (bytes), CPU time used (seconds). */
export interface ProcStats {
  rssBytes: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

/** VmRSS and VmHWM (the kernel's own high-water mark, so a peak between two samples is not missed) of /proc/PID/status. */
export function parseStatus(status: string): { rssBytes: number; peakRssBytes: number } {
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc status has no ${field} line`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/**
 * utime + stime (fields 14 and 15, in clock ticks) of /proc/PID/stat. The command name (field 2) is in parentheses and
 * may itself hold spaces and parentheses, so fields are counted from the last ")".
 */
export function parseStatTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const [utime, stime] = [Number(rest[11]), Number(rest[12])];
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 120)}`);
  return utime + stime;
}

let ticksPerSecond: number | undefined;

export function readProcStats(pid: number): ProcStats {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return {
    ...parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    cpuSeconds: parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond,
  };
}

/** Samples a process every `intervalMs` and keeps the highest peak RSS seen (VmHWM, or VmRSS if higher). */
export class PeakRssSampler {
  peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 250) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    try {
      const { rssBytes, peakRssBytes } = readProcStats(this.pid);
      this.peakBytes = Math.max(this.peakBytes, rssBytes, peakRssBytes);
    } catch {
      // The process has exited (e.g. SIGKILLed on purpose): the peak so far stands.
    }
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peakBytes;
  }
}
