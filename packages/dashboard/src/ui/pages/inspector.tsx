/** Stream inspector: metadata, hot vs sealed ranges, producers, forks, estuary subscribers, live readers, messages. */
import { rpc, type Entry, type Point } from "../api.js";
import { Copy, ErrorBox, Panel } from "../components.js";
import { ago, bytes, num, parkedText, type Parked } from "../format.js";
import { useLoad } from "../hooks.js";
import { href } from "../router.js";
import { Badges } from "./streams.js";
import { LiveTail } from "./live-tail.js";
import { MessageBrowser, type Range } from "./messages.js";
import { RetentionPanel } from "./retention.js";

interface Segment {
  seq: number;
  sealed: boolean;
  start: number;
  end: number;
  bytes: number;
  messages: number;
  startOffset: string;
  r2Key: string;
}
interface Inspection {
  name: string;
  state: string;
  contentType: string;
  createdAt: number;
  lastAccess: number;
  closed: boolean;
  ttlSeconds: number | null;
  expiresAt: number | null;
  offsets: { start: string; tail: string; bytes: number };
  hot: { start: number; end: number; bytes: number; rows: number };
  segments: Segment[];
  producers: { count: number; list: { id: string; epoch: number; seq: number; lastSeen: number }[] };
  fork: {
    parent: string | null;
    offset: string | null;
    forks: number;
    list?: { name: string; instance: string; offset: string; since: number }[];
  };
  estuary: {
    subscribers: {
      session: string;
      acked: number;
      lag: number;
      queued: boolean;
      failingSince: number | null;
      parked: Parked | null;
    }[];
  };
  live: { feeds: number; readers?: { sse: number; longPoll: number } };
}

const sum = (ps: Point[], f: string) => ps.reduce((a, p) => a + Number(p[f] ?? 0), 0);

/** The inspector page of one stream. */
export function Inspector(props: { project: string; name: string }) {
  const { project: p, name } = props;
  const r = useLoad(() => rpc<{ stream: Inspection; catalog: Entry | null }>("inspectStream", p, name), [p, name]);
  const m = useLoad(() => rpc<{ points: Point[] }>("metrics", p, { stream: name }), [p, name]);
  // The previous stream's data stays in `r` while this one loads: never show it under this name.
  const s = r.data?.stream.name === name ? r.data.stream : undefined;
  if (!s) return <ErrorBox error={r.error ?? (r.loading ? undefined : "not found")} />;
  const ranges: Range[] = [
    ...s.segments.map((g) => ({ label: `sealed segment ${g.seq}`, start: g.start, end: g.end })),
    { label: "hot", start: s.hot.start, end: Number.MAX_SAFE_INTEGER },
  ];
  const pts = m.data?.points ?? [];
  return (
    <div>
      <h2 class="title">
        {s.name} {r.data?.catalog && <Badges s={r.data.catalog} />}
        <button type="button" onClick={() => r.reload()}>
          refresh
        </button>
      </h2>
      <div class="two">
        <Panel title="Metadata" id="metadata">
          <table>
            <tbody>
              <tr>
                <td>state</td>
                <td>{s.state}</td>
              </tr>
              <tr>
                <td>content type</td>
                <td>{s.contentType}</td>
              </tr>
              <tr>
                <td>created</td>
                <td>{ago(s.createdAt)}</td>
              </tr>
              <tr>
                <td>closed</td>
                <td>{String(s.closed)}</td>
              </tr>
              <tr>
                <td>expires</td>
                <td>{s.expiresAt ? new Date(s.expiresAt).toLocaleString() : "never"}</td>
              </tr>
              <tr>
                <td>start offset</td>
                <td>
                  <Copy value={s.offsets.start} />
                </td>
              </tr>
              <tr>
                <td>tail offset</td>
                <td>
                  <Copy value={s.offsets.tail} />
                </td>
              </tr>
              <tr>
                <td>size</td>
                <td>{bytes(s.offsets.bytes)}</td>
              </tr>
            </tbody>
          </table>
          <RetentionPanel stream={s} />
        </Panel>
        <Panel title="Forks and live readers" id="forks">
          <table>
            <tbody>
              <tr>
                <td>fork of</td>
                <td data-testid="fork-parent">
                  {s.fork.parent ? <a href={href("stream", p, s.fork.parent)}>{s.fork.parent}</a> : "–"}
                  {s.fork.offset && <> at {s.fork.offset}</>}
                </td>
              </tr>
              <tr>
                <td>forks of this stream</td>
                <td data-testid="fork-count">{num(s.fork.forks)}</td>
              </tr>
              <tr>
                <td>live feeds (edge isolates)</td>
                <td>{num(s.live.feeds)}</td>
              </tr>
              <tr>
                <td>forks (names)</td>
                <td data-testid="fork-names">
                  {(s.fork.list ?? []).length === 0
                    ? "–"
                    : (s.fork.list ?? []).map((f, i) => (
                        <>
                          {i > 0 && ", "}
                          <a href={href("stream", p, f.name)}>{f.name}</a> at {f.offset}
                        </>
                      ))}
                </td>
              </tr>
              <tr>
                <td>readers held now (SSE / long-poll)</td>
                <td data-testid="readers-held">
                  {num(s.live.readers?.sse ?? 0)} / {num(s.live.readers?.longPoll ?? 0)}
                </td>
              </tr>
              <tr>
                <td>SSE readers opened (1 h)</td>
                <td>{num(sum(pts, "sseOpened"))}</td>
              </tr>
              <tr>
                <td>long-polls opened (1 h)</td>
                <td>{num(sum(pts, "longPollsOpened"))}</td>
              </tr>
            </tbody>
          </table>
        </Panel>
      </div>
      <Panel title="Ranges" id="segments">
        <table class="list" data-testid="segments">
          <thead>
            <tr>
              <th>range</th>
              <th>bytes</th>
              <th>positions</th>
              <th>messages</th>
              <th>R2 key</th>
            </tr>
          </thead>
          <tbody>
            {s.segments.map((g) => (
              <tr class={g.sealed ? "sealed" : "pending"}>
                <td>
                  {g.sealed ? "sealed" : "sealing"} #{g.seq}
                </td>
                <td>{bytes(g.bytes)}</td>
                <td>
                  {g.start}–{g.end}
                </td>
                <td>{num(g.messages)}</td>
                <td>
                  <code>{g.r2Key}</code>
                </td>
              </tr>
            ))}
            <tr class="hot">
              <td>hot (SQLite)</td>
              <td>{bytes(s.hot.bytes)}</td>
              <td>
                {s.hot.start}–{s.hot.end}
              </td>
              <td>{num(s.hot.rows)} rows</td>
              <td></td>
            </tr>
          </tbody>
        </table>
      </Panel>
      <div class="two">
        <Panel title={`Producers (${s.producers.count})`}>
          <table class="list">
            <tbody>
              {s.producers.list.map((x) => (
                <tr>
                  <td>{x.id}</td>
                  <td>epoch {x.epoch}</td>
                  <td>seq {x.seq}</td>
                  <td>{ago(x.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
        <Panel title="Estuary subscribers">
          <table class="list" data-testid="subscribers">
            <tbody>
              {s.estuary.subscribers.map((x) => (
                <tr>
                  <td>{x.session}</td>
                  <td>lag {num(x.lag)}</td>
                  <td>{x.queued ? "queued" : ""}</td>
                  <td>
                    {x.parked ? (
                      <span class="badge parked">{parkedText(x.parked)}</span>
                    ) : x.failingSince ? (
                      `failing since ${ago(x.failingSince)}`
                    ) : (
                      ""
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
      <Panel title="Messages" id="messages">
        {/* Keyed: another stream starts with a fresh history and a fresh connection. */}
        <MessageBrowser key={`${p}/${name}`} project={p} name={name} ranges={ranges} />
      </Panel>
      <Panel title="Live tail" id="tail">
        <LiveTail key={`${p}/${name}`} project={p} name={name} />
      </Panel>
    </div>
  );
}
