/** A bounded live tail over SSE (proxied by the dashboard Worker) with pause and resume. */
import { useEffect, useRef, useState } from "preact/hooks";
import { sseUrl } from "../api.js";

const MAX_LINES = 200;

/** One line of a live log. */
export interface LogLine {
  at: number;
  text: string;
}

/** Subscribes to a stream's SSE from `offset` while `on`; keeps the last MAX_LINES data events. */
export function useSse(project: string, name: string, on: boolean, from = "now") {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState("idle");
  // Where to resume after a pause: the last control event's offset.
  const next = useRef(from);
  useEffect(() => {
    next.current = from;
    setLines([]);
  }, [project, name, from]);
  useEffect(() => {
    if (!on || name === "") return;
    const es = new EventSource(sseUrl(project, name, next.current));
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
      setState("paused");
    };
  }, [project, name, on]);
  return { lines, state };
}

/** The live tail panel. */
export function LiveTail(props: { project: string; name: string }) {
  const [on, setOn] = useState(true);
  const { lines, state } = useSse(props.project, props.name, on);
  return (
    <div class="tail" data-testid="live-tail">
      <div class="toolbar">
        <button type="button" name="pause" onClick={() => setOn(!on)}>
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
