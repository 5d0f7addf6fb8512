/**
 * Resident memory of a local Worker's workerd process (Linux /proc): the
 * memory tests sample VmRSS every ~20 ms while one input runs and report the
 * peak growth above the level just before it.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * The workerd process that runs the Worker, in wrangler's process group:
 * wrangler starts two, and the other one (its dev proxy) has no inspector.
 */
export function workerdPid(wranglerPid: number): number {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[2] is the process group id.
      if (comm !== "workerd" || Number(fields[2]) !== wranglerPid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes("--inspector-addr")) return Number(d);
    } catch {
      // the process went away
    }
  }
  throw new Error(`no workerd process in process group ${wranglerPid}`);
}

/** VmRSS of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Peak growth of one run, in bytes above the level just before it. */
export interface Growth {
  readonly before: number;
  readonly peak: number;
  readonly growth: number;
}

/** Runs `fn` while sampling the process's RSS every ~20 ms; returns `fn`'s value and the peak growth. */
export async function measureRss<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; rss: Growth }> {
  const { value, rss } = await measureRssOf([pid], fn);
  return { value, rss: rss[0]! };
}

/** {@link measureRss} for several processes at once (one growth per pid, in order). */
export async function measureRssOf<T>(
  pids: readonly number[],
  fn: () => Promise<T>,
): Promise<{ value: T; rss: Growth[] }> {
  const before = pids.map(rssBytes);
  const peak = [...before];
  const sample = () => {
    pids.forEach((pid, i) => {
      try {
        peak[i] = Math.max(peak[i]!, rssBytes(pid));
      } catch {
        // sampled while exiting
      }
    });
  };
  const timer = setInterval(sample, 20);
  try {
    const value = await fn();
    sample();
    return { value, rss: pids.map((_, i) => ({ before: before[i]!, peak: peak[i]!, growth: peak[i]! - before[i]! })) };
  } finally {
    clearInterval(timer);
  }
}

/** Bytes as MiB with one decimal. */
export const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
