/**
 * Retention in the stream inspector: the stream's limits and its retained
 * start, and the message browser's answer to a read before that start (the
 * server's 410 `offset_trimmed`), with a way to the earliest offset.
 */
import { rpc } from "../api.js";
import { Copy } from "../components.js";
import { bytes } from "../format.js";
import { useLoad } from "../hooks.js";

/** The retention part of an inspection (docs/server.md "Retention and trimming"). */
export interface RetentionInfo {
  limits: { bytes: number | null; messages: number | null; seconds: number | null };
  startOffset: string;
}

const none = (v: number | null, show: (n: number) => string) => (v === null ? "no limit" : show(v));

/** The stream's retention limits and the earliest offset still stored (from its inspection). */
export function RetentionPanel(props: { stream: object }) {
  const r = (props.stream as { retention?: RetentionInfo }).retention;
  if (!r) return null;
  return (
    <table data-testid="retention">
      <tbody>
        <tr>
          <td>retained from</td>
          <td>
            <Copy value={r.startOffset} />
          </td>
        </tr>
        <tr>
          <td>keep bytes</td>
          <td>{none(r.limits.bytes, bytes)}</td>
        </tr>
        <tr>
          <td>keep messages</td>
          <td>{none(r.limits.messages, String)}</td>
        </tr>
        <tr>
          <td>keep seconds</td>
          <td>{none(r.limits.seconds, (s) => `${s} s`)}</td>
        </tr>
      </tbody>
    </table>
  );
}

/** A read before the retained start: says so and offers the earliest offset (read from the inspection). */
export function TrimmedNotice(props: { project: string; name: string; onGo: (offset: string) => void }) {
  const r = useLoad(
    () => rpc<{ stream: { retention?: RetentionInfo } }>("inspectStream", props.project, props.name),
    [props.project, props.name],
  );
  const earliest = r.data?.stream.retention?.startOffset;
  return (
    <p class="error" role="alert" data-testid="trimmed">
      This offset was trimmed by the stream's retention: its history is no longer stored.{" "}
      {earliest && (
        <a
          href="#"
          data-testid="earliest"
          onClick={(e) => {
            e.preventDefault();
            props.onGo(earliest);
          }}
        >
          Go to the earliest offset {earliest}
        </a>
      )}
    </p>
  );
}
