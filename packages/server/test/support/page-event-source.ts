/**
 * A plain EventSource inside a test page, driven from Node through
 * playwright: what it received is kept on `window.seen[name]` and read back
 * with `seen()`. It can renew a refused token the way docs/browsers.md shows.
 */
import type { Page } from "playwright-core";

/** What a page-side EventSource saw (kept on `window.seen[name]`). */
export interface Seen {
  items: unknown[];
  text: string;
  bytes: number[];
  controls: number;
  closedControls: number;
  errors: number;
  lastId: string;
  state: number;
}

/** The page's globals, as the functions passed to `page.evaluate` see them. */
export interface PageWindow {
  DS: typeof import("@durable-streams/client");
  seen: Record<string, Seen>;
  freshToken(): Promise<string>;
}
declare const window: PageWindow;
/** A browser MessageEvent as EventSource dispatches it. */
type SseEvent = Event & { data: string; lastEventId: string };

/**
 * Opens a plain EventSource in the page. `mode` says how to collect data
 * events: JSON arrays, text, or base64 bytes. With `renew`, the page reopens
 * the EventSource from its last event id with a fresh token when the server
 * refuses a reconnect (the EventSource is then CLOSED).
 */
export async function openEventSource(
  page: Page,
  name: string,
  src: string,
  mode: "json" | "text" | "base64",
  renew?: { base: string },
): Promise<void> {
  await page.evaluate(
    ({ name, src, mode, renew }) => {
      window.seen ??= {};
      const s: Seen = (window.seen[name] = {
        items: [],
        text: "",
        bytes: [],
        controls: 0,
        closedControls: 0,
        errors: 0,
        lastId: "",
        state: 0,
      });
      const open = (u: string) => {
        const es = new EventSource(u);
        es.addEventListener("data", (ev) => {
          const e = ev as SseEvent;
          s.lastId = e.lastEventId;
          if (mode === "json") s.items.push(...(JSON.parse(e.data) as unknown[]));
          else if (mode === "text") s.text += e.data;
          else for (const ch of atob(e.data.replace(/[\r\n]/g, ""))) s.bytes.push(ch.charCodeAt(0));
        });
        es.addEventListener("control", (ev) => {
          const e = ev as SseEvent;
          s.lastId = e.lastEventId;
          s.controls += 1;
          if ((JSON.parse(e.data) as { streamClosed?: boolean }).streamClosed) s.closedControls += 1;
        });
        es.addEventListener("error", () => {
          s.errors += 1;
          s.state = es.readyState;
          // CLOSED (not CONNECTING): the server refused the reconnect, e.g. 401 for a revoked token.
          if (renew && es.readyState === EventSource.CLOSED && s.closedControls === 0) {
            const [offset, cursor] = s.lastId.split(":");
            void window.freshToken().then((token) => {
              open(`${renew.base}?offset=${offset}&cursor=${cursor}&live=sse&token=${token}`);
            });
          }
        });
      };
      open(src);
    },
    { name, src, mode, renew },
  );
}

/** What the page's EventSource `name` has seen so far. */
export async function seen(page: Page, name: string): Promise<Seen> {
  return page.evaluate((n) => window.seen[n]!, name);
}

/** Waits until `check` (an expression over `s`, the EventSource's Seen) holds in the page. */
export async function waitInPage(page: Page, name: string, check: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(`(() => { const s = window.seen[${JSON.stringify(name)}]; return ${check}; })()`, null, {
    timeout,
    polling: 50,
  });
}
