/**
 * A minimal SSE reader for tests: connects with fetch, parses events as they
 * arrive (WHATWG rules), and records data payloads and control events.
 */
export interface SseEvent {
  type: string;
  data: string;
  /** The event's `id:` field, if it had one. */
  id?: string;
}

/** A live SSE connection. */
export interface SseConnection {
  readonly events: SseEvent[];
  /** Text of every data event so far, concatenated. */
  text(): string;
  /** The last control event, parsed. */
  lastControl(): Record<string, unknown> | undefined;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens an SSE connection to `url` (e.g. with a `last-event-id` header). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal, headers: { accept: "text/event-stream", ...headers } });
  if (res.status !== 200 || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const events: SseEvent[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buf = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += value;
        let cut: number;
        while ((cut = buf.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + (buf.startsWith("\r\n\r\n", cut) ? 4 : 2));
          const ev = parseBlock(block);
          if (ev) events.push(ev);
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    text: () =>
      events
        .filter((e) => e.type === "data")
        .map((e) => e.data)
        .join(""),
    lastControl: () => {
      const c = events.filter((e) => e.type === "control").at(-1);
      return c ? (JSON.parse(c.data) as Record<string, unknown>) : undefined;
    },
    ended,
    close: () => ctl.abort(),
  };
}

function parseBlock(block: string): SseEvent | undefined {
  let type = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) return undefined;
  return id === undefined ? { type, data: data.join("\n") } : { type, data: data.join("\n"), id };
}
