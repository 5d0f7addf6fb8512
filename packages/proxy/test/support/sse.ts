/**
 * Reads a Server-Sent Events response as it arrives, noting when each event
 * lands, so tests can tell a streamed event from one a proxy held back.
 */

/** One parsed SSE event and the time (ms, performance.now()) it was complete. */
export interface TimedEvent {
  readonly event: string;
  readonly data: string;
  readonly at: number;
}

/** An open SSE response being read in the background. */
export interface SseReader {
  readonly response: Response;
  /** Events received so far. */
  readonly events: TimedEvent[];
  /** Resolves with the first event (from the start) matching `match`, or rejects after `timeoutMs`. */
  waitFor(match: (e: TimedEvent) => boolean, timeoutMs: number): Promise<TimedEvent>;
  close(): void;
}

/** Opens `url` as an SSE stream and parses events in the background. */
export async function openSse(url: string): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream" },
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE ${url} answered ${response.status}`);
  const events: TimedEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body!.getReader();
    try {
      // Ends when the server closes the stream or close() aborts it.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = parseBlock(block);
          if (parsed) events.push({ ...parsed, at: performance.now() });
        }
        notify();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    response,
    events,
    waitFor(match, timeoutMs) {
      return new Promise((ok, fail) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          cleanup();
          ok(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(
            new Error(
              `no matching SSE event within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

function parseBlock(block: string): { event: string; data: string } | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // keep-alive comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    if (field === "data") data.push(value);
  }
  return data.length > 0 || event !== "message" ? { event, data: data.join("\n") } : undefined;
}
