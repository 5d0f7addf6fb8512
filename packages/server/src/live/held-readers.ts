/**
 * Live readers this edge isolate holds right now, by stream and mode. Each
 * change raises the minute's peak for the stream and its project
 * (metrics/recorder.ts `held`), and every flush records the levels again, so
 * a reader held across minutes shows in each of them. The counts also ride
 * on the stream's feed to its StreamDO, which adds up all isolates' counts
 * for inspection (do/feed-hub.ts).
 */
import { held, onDrain } from "../metrics/recorder.js";

/** How a live reader waits. */
export type ReaderMode = "sse" | "longPoll";

/** Readers held, by mode. */
export interface HeldCounts {
  sse: number;
  longPoll: number;
}

const byStream = new Map<string, HeldCounts>();
const byProject = new Map<string, HeldCounts>();
const FIELD = { sse: "sseReaders", longPoll: "longPollReaders" } as const;

function split(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

function record(key: string, mode: ReaderMode): void {
  const [project, name] = split(key);
  held(project, name, FIELD[mode], byStream.get(key)?.[mode] ?? 0);
  held(project, null, FIELD[mode], byProject.get(project)?.[mode] ?? 0);
}

function add(map: Map<string, HeldCounts>, k: string, mode: ReaderMode, d: number): void {
  const c = map.get(k) ?? { sse: 0, longPoll: 0 };
  c[mode] += d;
  if (c.sse === 0 && c.longPoll === 0) map.delete(k);
  else map.set(k, c);
}

/** A reader of stream `key` (`project/name`) starts waiting; call the result once when it ends. */
export function holdReader(key: string, mode: ReaderMode): () => void {
  const project = split(key)[0];
  add(byStream, key, mode, 1);
  add(byProject, project, mode, 1);
  record(key, mode);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    add(byStream, key, mode, -1);
    add(byProject, project, mode, -1);
  };
}

/** What this isolate holds for stream `key`. */
export function heldReaders(key: string): HeldCounts {
  const c = byStream.get(key);
  return { sse: c?.sse ?? 0, longPoll: c?.longPoll ?? 0 };
}

onDrain(() => {
  for (const [key, c] of byStream) {
    if (c.sse > 0) record(key, "sse");
    if (c.longPoll > 0) record(key, "longPoll");
  }
});
