/**
 * Live readers for the delivery-latency workloads: a long-poll reader (re-polls
 * after every response, echoing the cursor like a well-behaved client) and an
 * SSE reader (parses events, reconnects from the last control offset when the
 * server ends the connection). Each reports every round tag `r<k>;` it sees.
 */
import { request, requestStream } from "../client.ts";

/** One live reader; `armed` means it is waiting at the tail for new data. */
export interface LiveReader {
  armed: boolean;
  /** Set when the reader gave up (HTTP error, or too many dropped connections). */
  error?: Error;
  /** Connections that failed at the network level and were re-opened from the last offset. */
  dropped: number;
  /** HTTP requests made so far (each poll; each SSE connection). */
  requests: number;
  stop(): void;
}

// A real client re-opens a dropped connection from its last offset; so do the
// readers, up to this many times, and the workload reports how often it happened.
const MAX_DROPS = 5;

function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === "ECONNRESET" || code === "EPIPE" || code === "ECONNREFUSED" || /socket hang up/.test(String(e))
  );
}

/** Called with the round number whenever a reader receives that round's payload. */
export type OnRound = (round: number) => void;

const ROUND_TAG = /r(\d+);/g;

function report(text: string, onRound: OnRound): void {
  for (const m of text.matchAll(ROUND_TAG)) onRound(Number(m[1]));
}

/** Starts a long-poll reader at `offset`; it loops until stopped or an error occurs. */
export function longPollReader(url: string, offset: string, onRound: OnRound): LiveReader {
  const abort = new AbortController();
  const reader: LiveReader = { armed: false, dropped: 0, requests: 0, stop: () => abort.abort() };
  void (async () => {
    let cursor = "";
    // Bounded: a reader never issues more than 100,000 polls.
    for (let i = 0; i < 100_000 && !abort.signal.aborted; i++) {
      const q = `offset=${encodeURIComponent(offset)}&live=long-poll${cursor ? `&cursor=${cursor}` : ""}`;
      reader.armed = true;
      reader.requests += 1;
      let res;
      try {
        res = await request(`${url}?${q}`, { signal: abort.signal });
      } catch (e) {
        if (abort.signal.aborted || !isNetworkError(e) || ++reader.dropped > MAX_DROPS) throw e;
        continue;
      }
      reader.armed = false;
      const text = res.body.toString("utf8");
      if (res.status !== 200 && res.status !== 204)
        throw new Error(`long-poll: HTTP ${res.status} ${text.slice(0, 200)}`);
      if (res.status === 200) report(text, onRound);
      offset = res.header("stream-next-offset") ?? offset;
      cursor = res.header("stream-cursor") ?? cursor;
    }
  })().catch((e: unknown) => {
    reader.armed = false;
    if (!abort.signal.aborted) reader.error = e as Error;
  });
  return reader;
}

/** Starts an SSE reader at `offset`; `armed` once a control event says it is up to date. */
export function sseReader(url: string, offset: string, onRound: OnRound): LiveReader {
  const abort = new AbortController();
  const reader: LiveReader = { armed: false, dropped: 0, requests: 0, stop: () => abort.abort() };
  // Mutable so that a connection dropped mid-stream resumes from the last control event.
  const state = { offset };
  void (async () => {
    // Bounded: at most 50 reconnects (the server closes SSE about every 60 s).
    for (let c = 0; c < 50 && !abort.signal.aborted; c++) {
      try {
        await readSse(url, state, abort.signal, reader, onRound);
      } catch (e) {
        if (abort.signal.aborted || !isNetworkError(e) || ++reader.dropped > MAX_DROPS) throw e;
      }
      reader.armed = false;
    }
  })().catch((e: unknown) => {
    reader.armed = false;
    if (!abort.signal.aborted) reader.error = e as Error;
  });
  return reader;
}

/** Reads one SSE connection until the server ends it, advancing `state.offset` per control event. */
async function readSse(
  url: string,
  state: { offset: string },
  signal: AbortSignal,
  reader: LiveReader,
  onRound: OnRound,
): Promise<void> {
  reader.requests += 1;
  const res = await requestStream(`${url}?offset=${encodeURIComponent(state.offset)}&live=sse`, { signal });
  if (res.status !== 200) {
    res.body.resume();
    throw new Error(`sse: HTTP ${res.status}`);
  }
  res.body.setEncoding("utf8");
  let buf = "";
  for await (const text of res.body) {
    buf += text as string;
    let end: number;
    while ((end = buf.search(/\r?\n\r?\n/)) >= 0) {
      const raw = buf.slice(0, end);
      buf = buf.slice(end).replace(/^\r?\n\r?\n/, "");
      state.offset = handleEvent(raw, state.offset, reader, onRound);
    }
  }
}

/** Applies one SSE event; returns the offset to resume from. */
function handleEvent(raw: string, offset: string, reader: LiveReader, onRound: OnRound): string {
  let event = "message";
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (event === "data") report(data.join("\n"), onRound);
  if (event !== "control") return offset;
  const control = JSON.parse(data.join("\n")) as { streamNextOffset?: string; upToDate?: boolean };
  if (control.upToDate) reader.armed = true;
  return control.streamNextOffset ?? offset;
}
