/** Overview: a project's totals, activity charts (last hour / 24 hours), live readers, hot streams, errors. */
import { useState } from "preact/hooks";
import { rpc, type Page, type Point } from "../api.js";
import { Chart, ErrorBox, Panel } from "../components.js";
import { ago, bytes, num } from "../format.js";
import { useLoad } from "../hooks.js";
import { href } from "../router.js";

interface Summary {
  streams: number;
  bytes: number;
  messages: number;
  shards: number;
}
interface Metrics {
  points: Point[];
  resolution: number;
}

const sum = (ps: Point[], f: string) => ps.reduce((a, p) => a + Number(p[f] ?? 0), 0);
// Held readers are gauges (each minute's peak), so they are read as the latest and the highest, never summed.
const peak = (ps: Point[], f: string) => ps.reduce((a, p) => Math.max(a, Number(p[f] ?? 0)), 0);
const last = (ps: Point[], f: string) => Number(ps.at(-1)?.[f] ?? 0);

/** The overview page. */
export function Overview(props: { project: string }) {
  const [range, setRange] = useState<"1h" | "24h">("1h");
  const p = props.project;
  const summary = useLoad(() => rpc<Summary>("summary", p), [p]);
  const metrics = useLoad(
    () =>
      rpc<Metrics>("metrics", p, {
        from: Date.now() - (range === "1h" ? 3_600_000 : 86_400_000),
        resolution: range === "1h" ? 60 : 900,
      }),
    [p, range],
  );
  const hot = useLoad(() => rpc<Page>("listStreams", p, { sort: "lastAppend", limit: 10, kind: "stream" }), [p]);
  const pts = metrics.data?.points ?? [];
  const perMin = (f: string) => (pts.length ? sum(pts, f) / ((pts.length * (metrics.data?.resolution ?? 60)) / 60) : 0);
  return (
    <div>
      <ErrorBox error={summary.error ?? metrics.error ?? hot.error} />
      <div class="cards">
        <div class="card" data-testid="streams-total">
          <b>{num(summary.data?.streams)}</b> streams
        </div>
        <div class="card">
          <b>{bytes(summary.data?.bytes)}</b> stored
        </div>
        <div class="card">
          <b>{num(summary.data?.messages)}</b> messages
        </div>
        <div class="card">
          <b>{perMin("appends").toFixed(1)}</b> appends/min
        </div>
        <div class="card">
          <b>{bytes(Math.round(perMin("bytesIn")))}</b>/min in
        </div>
      </div>
      <Panel title="Activity">
        <div class="tabs">
          {(["1h", "24h"] as const).map((r) => (
            <button type="button" class={r === range ? "on" : ""} onClick={() => setRange(r)}>
              last {r === "1h" ? "hour" : "24 hours"}
            </button>
          ))}
          <button type="button" onClick={() => metrics.reload()}>
            refresh
          </button>
        </div>
        <div class="charts">
          <Chart title="Appends" points={pts} field="appends" />
          <Chart title="Bytes in" points={pts} field="bytesIn" format={bytes} />
          <Chart title="Reads" points={pts} field="reads" />
          <Chart title="Bytes out" points={pts} field="bytesOut" format={bytes} />
        </div>
      </Panel>
      <div class="two">
        <Panel title="Live readers (by mode)">
          <table>
            <thead>
              <tr>
                <th></th>
                <th>held, latest minute</th>
                <th>held, peak</th>
                <th>opened</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>SSE</td>
                <td data-testid="sse-held">{num(last(pts, "sseReaders"))}</td>
                <td>{num(peak(pts, "sseReaders"))}</td>
                <td data-testid="sse-opened">{num(sum(pts, "sseOpened"))}</td>
              </tr>
              <tr>
                <td>Long-poll</td>
                <td>{num(last(pts, "longPollReaders"))}</td>
                <td>{num(peak(pts, "longPollReaders"))}</td>
                <td>{num(sum(pts, "longPollsOpened"))}</td>
              </tr>
              <tr>
                <td>Live deliveries</td>
                <td colSpan={2}></td>
                <td>{num(sum(pts, "liveDeliveries"))}</td>
              </tr>
            </tbody>
          </table>
        </Panel>
        <Panel title="Errors">
          <table>
            <tbody>
              <tr>
                <td>4xx</td>
                <td data-testid="errors-4xx">{num(sum(pts, "status4xx"))}</td>
              </tr>
              <tr>
                <td>5xx</td>
                <td>{num(sum(pts, "status5xx"))}</td>
              </tr>
              <tr>
                <td>Estuary failures</td>
                <td>{num(sum(pts, "estuaryFailures"))}</td>
              </tr>
            </tbody>
          </table>
        </Panel>
      </div>
      <Panel title="Hot streams (most recent appends)">
        <table class="list" data-testid="hot-streams">
          <thead>
            <tr>
              <th>name</th>
              <th>last append</th>
              <th>size</th>
              <th>messages</th>
            </tr>
          </thead>
          <tbody>
            {(hot.data?.streams ?? []).map((s) => (
              <tr>
                <td>
                  <a href={href("stream", p, s.name)}>{s.name}</a>
                </td>
                <td>{ago(s.lastAppendAt)}</td>
                <td>{bytes(s.bytes)}</td>
                <td>{num(s.messages)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}
