/** Streams: the catalog with prefix/glob search, sort, cursor pagination and badges. */
import { useState } from "preact/hooks";
import { rpc, type Entry, type Page } from "../api.js";
import { Badge, ErrorBox } from "../components.js";
import { ago, bytes, num } from "../format.js";
import { useLoad } from "../hooks.js";
import { href } from "../router.js";

type Sort = "name" | "lastAppend" | "bytes";
const PAGE = 50;

/** The badges of an entry: closed, expiring, forked, session. */
export function Badges(props: { s: Entry }) {
  const s = props.s;
  return (
    <>
      {s.closed && <Badge kind="closed">closed</Badge>}
      {(s.expiresAt !== null || s.ttlSeconds !== null) && <Badge kind="expiring">expiring</Badge>}
      {s.forkOf !== null && <Badge kind="forked">fork of {s.forkOf}</Badge>}
      {s.session && <Badge kind="session">session</Badge>}
      {s.segments > 0 && <Badge kind="sealed">{s.segments} sealed</Badge>}
    </>
  );
}

/** The streams page. */
export function Streams(props: { project: string }) {
  const p = props.project;
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<Sort>("name");
  // The cursors of the pages before this one, so "previous" can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const isGlob = query.includes("*");
  const list = useLoad(
    () =>
      rpc<Page>("listStreams", p, {
        ...(query === "" ? {} : isGlob ? { glob: query } : { prefix: query }),
        sort,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      }),
    [p, query, sort, cursor],
  );
  const reset = () => setCursors([null]);
  return (
    <div>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          const v = (e.currentTarget.elements.namedItem("q") as HTMLInputElement).value;
          setQuery(v);
          reset();
        }}
      >
        <input name="q" placeholder="prefix, or glob: chat/*, logs/**" value={query} />
        <button type="submit">search</button>
        <label>
          sort{" "}
          <select
            name="sort"
            value={sort}
            onChange={(e) => {
              setSort((e.currentTarget as HTMLSelectElement).value as Sort);
              reset();
            }}
          >
            <option value="name">name</option>
            <option value="lastAppend">last append</option>
            <option value="bytes">size</option>
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      <table class="list" data-testid="streams">
        <thead>
          <tr>
            <th>name</th>
            <th>type</th>
            <th>size</th>
            <th>messages</th>
            <th>last append</th>
            <th>subscribers</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.streams ?? []).map((s) => (
            <tr data-name={s.name}>
              <td>
                <a href={href("stream", p, s.name)}>{s.name}</a>
              </td>
              <td>{s.contentType}</td>
              <td>{bytes(s.bytes)}</td>
              <td>{num(s.messages)}</td>
              <td>{ago(s.lastAppendAt)}</td>
              <td>{num(s.subscribers)}</td>
              <td>
                <Badges s={s} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← previous
        </button>
        <span class="muted">page {cursors.length}</span>
        <button
          type="button"
          name="next"
          disabled={!list.data?.cursor}
          onClick={() => list.data?.cursor && setCursors([...cursors, list.data.cursor])}
        >
          next →
        </button>
      </div>
    </div>
  );
}
