/** The message browser: seek to an offset, the start or the tail, page forward and back across hot and sealed ranges. */
import { useEffect, useState } from "preact/hooks";
import { ApiError, rpc } from "../api.js";
import { Copy, ErrorBox } from "../components.js";
import { TrimmedNotice } from "./retention.js";

/** What the server answers for one page. */
interface MessagePage {
  offset: string;
  nextOffset: string;
  tail: string;
  upToDate: boolean;
  contentType: string;
  messages?: { offset: string; value: unknown }[];
  base64?: string;
}

/** Messages per page. */
export const PAGE_SIZE = 20;

/** A range of the stream, for labelling where a page lies. */
export interface Range {
  label: string;
  start: number;
  end: number;
}

type View = "json" | "text" | "hex";
const position = (offset: string) => Number(offset.split("_")[1] ?? 0);

function hex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length && i < 4096; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
    lines.push(`${i.toString(16).padStart(6, "0")}  ${row}`);
  }
  return lines.join("\n");
}

function pageBytes(page: MessagePage): Uint8Array {
  if (page.base64 !== undefined) return Uint8Array.from(atob(page.base64), (c) => c.charCodeAt(0));
  return new TextEncoder().encode((page.messages ?? []).map((m) => JSON.stringify(m.value)).join("\n"));
}

/** The browser of one stream's messages. */
export function MessageBrowser(props: { project: string; name: string; ranges: Range[] }) {
  const [history, setHistory] = useState<string[]>(["-1"]);
  const [page, setPage] = useState<MessagePage | null>(null);
  const [error, setError] = useState<string>();
  const [trimmed, setTrimmed] = useState(false);
  const [view, setView] = useState<View>("json");
  const [seek, setSeek] = useState("");
  const at = history[history.length - 1]!;
  useEffect(() => {
    setError(undefined);
    setTrimmed(false);
    rpc<MessagePage>("readMessages", props.project, props.name, at, PAGE_SIZE).then(setPage, (e: Error) => {
      // 410 before the retained start: TrimmedNotice explains it and links the earliest offset.
      if (e instanceof ApiError && e.status === 410 && e.code === "offset_trimmed") setTrimmed(true);
      else setError(e.message);
    });
  }, [props.project, props.name, at]);
  const go = (offset: string) => setHistory([...history, offset]);
  const start = page ? position(page.offset) : 0;
  const range = props.ranges.find((r) => start >= r.start && start < r.end) ?? props.ranges.at(-1);
  const isJson = page?.messages !== undefined;
  return (
    <div class="browser" data-testid="message-browser">
      <div class="toolbar">
        <button type="button" name="start" onClick={() => setHistory(["-1"])}>
          start
        </button>
        <button type="button" name="tail" onClick={() => go("tail")}>
          tail
        </button>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (seek.trim() !== "") go(seek.trim());
          }}
        >
          <input name="seek" placeholder="offset" value={seek} onInput={(e) => setSeek(e.currentTarget.value)} />
          <button type="submit">seek</button>
        </form>
        <button
          type="button"
          name="back"
          disabled={history.length <= 1}
          onClick={() => setHistory(history.slice(0, -1))}
        >
          ← back
        </button>
        <button
          type="button"
          name="forward"
          disabled={!page || page.upToDate}
          onClick={() => page && go(page.nextOffset)}
        >
          forward →
        </button>
        <span class="tabs">
          {(["json", "text", "hex"] as const).map((v) => (
            <button type="button" class={v === view ? "on" : ""} onClick={() => setView(v)}>
              {v}
            </button>
          ))}
        </span>
      </div>
      <ErrorBox error={error} />
      {trimmed && <TrimmedNotice project={props.project} name={props.name} onGo={(o) => setHistory([o])} />}
      {page && !trimmed && (
        <div>
          <p class="muted">
            from <Copy value={page.offset} /> to <Copy value={page.nextOffset} /> ·{" "}
            <span data-testid="page-range">{range?.label ?? "hot"}</span>
            {isJson && <span data-testid="page-count"> · {page.messages!.length} messages</span>}
            {page.upToDate && " · up to date"}
          </p>
          {view === "json" && isJson ? (
            <ol class="messages" data-testid="messages">
              {page.messages!.map((m) => (
                <li data-offset={m.offset}>
                  <Copy value={m.offset} />
                  <pre>{JSON.stringify(m.value, null, 2)}</pre>
                </li>
              ))}
            </ol>
          ) : (
            <pre class="raw" data-testid="raw">
              {view === "hex" ? hex(pageBytes(page)) : new TextDecoder().decode(pageBytes(page))}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
