/** A bounded live tail over SSE (proxied by the dashboard Worker) with pause and resume. */
import { useEffect, useRef, useState } from "preact/hooks";
import { sseUrl } from "../api.js";

const MAX_LINES = 200;

/** One line of a live log. */
export interface LogLine {
  at: number;
  text: string;
}

/**
 * Subscribes to a stream's SSE from `offset` while `on`; keeps the last
 * MAX_LINES data events. `stop()` closes the connection at once: turning `on`
 * off closes it only when the effect's cleanup runs, after the next render,
 * and an event arriving meanwhile would still be shown after a pause.
 */
export function useSse(project: string, name: string, on: boolean, from = "now") {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState("idle");
  // Where to resume after a pause: the last control event's offset.
  const next = useRef(from);
  const current = useRef<EventSource | null>(null);
  useEffect(() => {
    next.current = from;
    setLines([]);
  }, [project, name, from]);
  useEffect(() => {
    if (!on || name === "") return;
    const es = new EventSource(sseUrl(project, name, next.current));
    current.current = es;
    setState("connecting");
    es.onopen = () => setState("live");
    es.onerror = () => setState("reconnecting");
    es.addEventListener("data", (e) => {
      const text = (e as MessageEvent<string>).data;
      setLines((l) => [...l, { at: Date.now(), text }].slice(-MAX_LINES));
    });
    es.addEventListener("control", (e) => {
      try {
        const c = JSON.parse((e as MessageEvent<string>).data) as { streamNextOffset?: string };
        if (c.streamNextOffset) next.current = c.streamNextOffset;
      } catch {
        // a malformed control event changes nothing
      }
    });
    return () => {
      es.close();
      if (current.current === es) current.current = null;
      setState("paused");
    };
  }, [project, name, on]);
  // A closed EventSource dispatches no further events, so nothing after this shows (and resuming
  // starts from the last control event seen, which is before anything dropped here).
  const stop = () => current.current?.close();
  return { lines, state, stop };
}

/** The live tail panel. */
export function LiveTail(props: { project: string; name: string }) {
  const [on, setOn] = useState(true);
  const { lines, state, stop } = useSse(props.project, props.name, on);
  return (
    <div class="tail" data-testid="live-tail">
      <div class="toolbar">
        <button
          type="button"
          name="pause"
          onClick={() => {
            if (on) stop();
            setOn(!on);
          }}
        >
          {on ? "pause" : "resume"}
        </button>
        <span class="muted" data-testid="tail-state">
          {on ? state : "paused"} · last {MAX_LINES} events
        </span>
      </div>
      <ol class="log" data-testid="tail-lines">
        {lines.map((l) => (
          <li>
            <time>{new Date(l.at).toLocaleTimeString()}</time> <code>{l.text}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
