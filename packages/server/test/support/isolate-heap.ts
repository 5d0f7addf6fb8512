/**
 * Heap of each Worker's isolate in a local workerd process, read through
 * workerd's own inspector (the one wrangler dev starts with
 * `--inspector-addr`, one target per Worker): `Runtime.getHeapUsage` gives
 * the JavaScript heap, the runtime's C++ objects and the ArrayBuffer backing
 * stores (bodies, rows read as bytes) of that isolate alone. This is what
 * Cloudflare's 128 MB per isolate counts; the process's RSS (rss.ts) holds
 * every Worker and the simulators together. An isolate answers only between
 * tasks (not while a request's I/O keeps it busy), so this is for levels at
 * quiet moments, after a full collection: what an isolate keeps once its
 * requests are done. Peaks during a request are the RSS sampler's.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { WebSocket } from "undici";

/** One isolate's heap, in bytes. */
export interface HeapUsage {
  readonly js: number;
  readonly embedder: number;
  readonly buffers: number;
  readonly total: number;
}

/** TCP ports a process listens on (from /proc: no tool needed). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // st 0A is LISTEN; f[9] is the socket's inode.
      if (f.length > 9 && f[3] === "0A" && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

interface Target {
  id: string;
  webSocketDebuggerUrl: string;
}

/** The inspector's targets: one per Worker (`core:user:<name>`), found among the process's ports. */
async function inspectorTargets(pid: number): Promise<Target[]> {
  for (const port of listeningPorts(pid)) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) continue;
      const list = (await res.json()) as Target[];
      if (Array.isArray(list) && list.some((t) => t.id.startsWith("core:user:"))) return list;
    } catch {
      // not the inspector
    }
  }
  throw new Error(`workerd ${pid}: no inspector among its ports`);
}

/**
 * One Runtime.getHeapUsage through a new inspector session. workerd's
 * inspector serves one session per process at a time (a second one opened
 * while another is live is closed at once), so each sample connects, asks
 * and disconnects; that takes 2-5 ms here. An isolate busy running
 * JavaScript answers when it is done.
 */
async function heapOf(url: string, collect = false): Promise<HeapUsage> {
  // The previous session's close can still be in progress in workerd: it refuses this one then; try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await askOnce(url, collect);
    } catch (e) {
      if (!(e instanceof Refused) || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}

class Refused extends Error {}

async function askOnce(url: string, collect: boolean): Promise<HeapUsage> {
  const ws = new WebSocket(url);
  const closed = new Promise<void>((r) => ws.addEventListener("close", () => r()));
  try {
    const r = await new Promise<{ usedSize: number; embedderHeapUsedSize?: number; backingStorageSize?: number }>(
      (ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`inspector ${url}: no heap usage in 30 s`)), 30_000);
        // With `collect`: two full collections 100 ms apart before the reading (ArrayBuffer
        // memory is released after its owner is collected, not within the same collection).
        ws.onopen = async () => {
          for (let i = 0; collect && i < 2; i++) {
            ws.send(JSON.stringify({ id: i + 1, method: "HeapProfiler.collectGarbage" }));
            await new Promise((r) => setTimeout(r, 100));
          }
          ws.send(JSON.stringify({ id: 100, method: "Runtime.getHeapUsage" }));
        };
        ws.onmessage = (m) => {
          const d = JSON.parse(String(m.data)) as { id?: number; result?: never };
          if (d.id === 100) ok((clearTimeout(timer), d.result!));
        };
        ws.onclose = () => fail((clearTimeout(timer), new Refused(`inspector ${url}: closed before it answered`)));
      },
    );
    const embedder = r.embedderHeapUsedSize ?? 0;
    const buffers = r.backingStorageSize ?? 0;
    return { js: r.usedSize, embedder, buffers, total: r.usedSize + embedder + buffers };
  } finally {
    ws.close();
    await closed;
  }
}

/** The isolates of some Workers of one workerd process, sampled through its inspector. */
export class IsolateHeaps {
  private constructor(private readonly urls: Map<string, string>) {}

  /** Finds each named Worker's (wrangler config `name`) inspector target. */
  static async open(workerdPid: number, workers: readonly string[]): Promise<IsolateHeaps> {
    const targets = await inspectorTargets(workerdPid);
    const urls = new Map<string, string>();
    for (const name of workers) {
      const t = targets.find((x) => x.id === `core:user:${name}`);
      if (!t) throw new Error(`workerd ${workerdPid}: no isolate for Worker "${name}" (${targets.map((x) => x.id)})`);
      urls.set(name, t.webSocketDebuggerUrl);
    }
    return new IsolateHeaps(urls);
  }

  /** Every watched isolate's heap now, one after another (after a full garbage collection with `collect`). */
  async sample(collect = false): Promise<Map<string, HeapUsage>> {
    const out = new Map<string, HeapUsage>();
    for (const [name, url] of this.urls) out.set(name, await heapOf(url, collect));
    return out;
  }
}
