/** Test console: create a stream, append, subscribe/unsubscribe a session, publish, with the session's live SSE log. */
import { useState } from "preact/hooks";
import { rpc } from "../api.js";
import { ErrorBox, Panel } from "../components.js";
import { useSse } from "./live-tail.js";

/** The test console page. */
export function Console(props: { project: string }) {
  const p = props.project;
  const [stream, setStream] = useState("console/demo");
  const [body, setBody] = useState('{"hello":"world"}');
  const [forkOf, setForkOf] = useState("");
  const [session, setSession] = useState("console-session");
  const [watching, setWatching] = useState("");
  const [out, setOut] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const log = useSse(p, watching, watching !== "", "-1");
  const run = async (what: string, f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      const r = await f();
      setOut((o) => [`${what}: ${JSON.stringify(r)}`, ...o].slice(0, 50));
      return true;
    } catch (e) {
      setError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  return (
    <div>
      <ErrorBox error={error} />
      <div class="two">
        <Panel title="Stream">
          <label>
            name <input name="stream" value={stream} onInput={(e) => setStream(e.currentTarget.value)} />
          </label>
          <label>
            fork of <input name="fork-of" value={forkOf} onInput={(e) => setForkOf(e.currentTarget.value)} />
          </label>
          <button
            type="button"
            name="create"
            onClick={() => void run("create", () => rpc("createStream", p, stream, forkOf ? { forkOf } : {}))}
          >
            create (JSON)
          </button>
          <textarea name="body" rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
          <button type="button" name="append" onClick={() => void run("append", () => rpc("append", p, stream, body))}>
            append / publish
          </button>
        </Panel>
        <Panel title="Estuary session">
          <label>
            estuaryId <input name="session" value={session} onInput={(e) => setSession(e.currentTarget.value)} />
          </label>
          <button
            type="button"
            name="subscribe"
            onClick={() =>
              void run("subscribe", () => rpc("subscribe", p, stream, session)).then((ok) => ok && setWatching(session))
            }
          >
            subscribe to stream
          </button>
          <button
            type="button"
            name="unsubscribe"
            onClick={() => void run("unsubscribe", () => rpc("unsubscribe", p, stream, session))}
          >
            unsubscribe
          </button>
        </Panel>
      </div>
      <Panel title={`Session log ${watching ? `(${watching}, ${log.state})` : "(subscribe to start)"}`}>
        <ol class="log" data-testid="session-log">
          {log.lines.map((l) => (
            <li>
              <time>{new Date(l.at).toLocaleTimeString()}</time> <code>{l.text}</code>
            </li>
          ))}
        </ol>
      </Panel>
      <Panel title="Results">
        <ol class="log" data-testid="console-out">
          {out.map((l) => (
            <li>
              <code>{l}</code>
            </li>
          ))}
        </ol>
      </Panel>
    </div>
  );
}
