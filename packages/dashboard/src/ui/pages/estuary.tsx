/** Estuary: sessions with their subscriptions and lag, publish rate, fan-out latency, delivery success. */
import { rpc, type Page, type Point } from "../api.js";
import { Chart, ErrorBox, Panel } from "../components.js";
import { ago, num, parkedText, type Parked } from "../format.js";
import { useLoad } from "../hooks.js";
import { href } from "../router.js";

interface SessionDetail {
  session: { estuaryId: string; owner: string; expiresAt: string; subscriptions: { stream: string }[] };
  subscriptions: { stream: string; lag: number | null; parked: Parked | null }[];
}

const SHOWN = 25;
const sum = (ps: Point[], f: string) => ps.reduce((a, p) => a + Number(p[f] ?? 0), 0);
const last = (ps: Point[], f: string) => [...ps].reverse().find((p) => Number(p[f] ?? 0) > 0)?.[f] ?? null;

/** The estuary page. */
export function Estuary(props: { project: string }) {
  const p = props.project;
  const list = useLoad(() => rpc<Page>("listSessions", p, { sort: "lastAppend", limit: SHOWN }), [p]);
  const details = useLoad(
    async () =>
      Promise.all(
        (list.data?.streams ?? []).map((s) =>
          rpc<SessionDetail>("inspectSession", p, s.name).catch(() => null as SessionDetail | null),
        ),
      ),
    [p, list.data],
  );
  const m = useLoad(() => rpc<{ points: Point[] }>("metrics", p, {}), [p]);
  const pts = m.data?.points ?? [];
  const deliveries = sum(pts, "estuaryDeliveries");
  const failures = sum(pts, "estuaryFailures");
  const rate = deliveries + failures === 0 ? null : (100 * deliveries) / (deliveries + failures);
  const rows = (details.data ?? []).filter((d): d is SessionDetail => d !== null);
  const lagging = rows.flatMap((d) =>
    d.subscriptions.filter((s) => (s.lag ?? 0) > 0 || s.parked).map((s) => ({ id: d.session.estuaryId, ...s })),
  );
  return (
    <div>
      <ErrorBox error={list.error ?? m.error} />
      <div class="cards">
        <div class="card">
          <b data-testid="session-count">{num(list.data?.streams.length)}</b> sessions shown
        </div>
        <div class="card">
          <b>{(sum(pts, "estuaryPublishes") / 60).toFixed(2)}</b> publishes/min (1 h)
        </div>
        <div class="card">
          <b>{last(pts, "fanoutP50") ?? "–"}</b> ms fan-out p50
        </div>
        <div class="card">
          <b>{last(pts, "fanoutP99") ?? "–"}</b> ms fan-out p99
        </div>
        <div class="card">
          <b>{rate === null ? "–" : `${rate.toFixed(1)} %`}</b> deliveries ok ({num(failures)} failed)
        </div>
      </div>
      <Panel title="Fan-out (last hour)">
        <div class="charts">
          <Chart title="Publishes" points={pts} field="estuaryPublishes" />
          <Chart title="Deliveries" points={pts} field="estuaryDeliveries" />
          <Chart title="Fan-out p99 (ms)" points={pts} field="fanoutP99" />
          <Chart title="Largest subscriber lag" points={pts} field="subscriberLag" />
        </div>
      </Panel>
      <Panel title="Lagging or parked subscribers">
        <table class="list" data-testid="lagging">
          <tbody>
            {lagging.map((l) => (
              <tr>
                <td>{l.id}</td>
                <td>
                  <a href={href("stream", p, l.stream)}>{l.stream}</a>
                </td>
                <td>lag {num(l.lag)}</td>
                <td>{l.parked ? <span class="badge parked">{parkedText(l.parked)}</span> : "delivering"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="Sessions">
        <table class="list" data-testid="sessions">
          <thead>
            <tr>
              <th>session</th>
              <th>owner</th>
              <th>subscriptions (lag)</th>
              <th>expires</th>
              <th>last delivery</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.streams ?? []).map((s, i) => {
              const d = details.data?.[i];
              return (
                <tr data-name={s.name}>
                  <td>
                    <a href={href("stream", p, s.name)}>{s.name}</a>
                  </td>
                  <td>{d?.session.owner ?? ""}</td>
                  <td>
                    {d?.subscriptions.map((x) => (
                      <span class="sub">
                        {x.stream} ({x.lag ?? "?"}){x.parked ? " parked" : ""}
                      </span>
                    ))}
                  </td>
                  <td>{d ? new Date(d.session.expiresAt).toLocaleString() : ""}</td>
                  <td>{ago(s.lastAppendAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}
