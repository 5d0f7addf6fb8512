/** SSE reads at the edge: UTF-8 boundary hold-back, and the text/base64 choice against a fake source. */
import { describe, expect, test } from "vitest";
import type { ReadOk, ReadRequest } from "../do/rpc-types.js";
import { readConfig, type Config, type Env } from "../env.js";
import { HttpError } from "../protocol/errors.js";
import { formatOffset } from "../protocol/offset.js";
import { encodeEventId, parseEventId } from "../protocol/sse-id.js";
import { completeUtf8Length, serveSse, type SseTarget } from "./sse.js";

const enc = new TextEncoder();
const bytes = (...b: number[]) => new Uint8Array(b);

describe("completeUtf8Length", () => {
  test("empty and ASCII input is complete", () => {
    expect(completeUtf8Length(new Uint8Array(0))).toBe(0);
    expect(completeUtf8Length(enc.encode("hello"))).toBe(5);
  });

  test("complete multi-byte characters are kept", () => {
    for (const s of ["é", "€", "😀", "aé€😀", "😀😀", "€a"]) {
      const b = enc.encode(s);
      expect(completeUtf8Length(b), s).toBe(b.length);
    }
  });

  test.each([
    ["2-byte", "é"],
    ["3-byte", "€"],
    ["4-byte", "😀"],
  ])("a %s character cut at every position is held back whole", (_name, ch) => {
    const c = enc.encode(ch);
    for (const prefix of ["", "ab", "é"]) {
      const p = enc.encode(prefix);
      for (let k = 1; k < c.length; k++) {
        const b = new Uint8Array([...p, ...c.subarray(0, k)]);
        expect(completeUtf8Length(b), `${prefix}+${k}/${c.length}`).toBe(p.length);
      }
    }
  });

  test("lone continuation bytes can never complete, so they are not held back", () => {
    expect(completeUtf8Length(bytes(0x80))).toBe(1);
    expect(completeUtf8Length(bytes(0x41, 0xbf))).toBe(2);
    expect(completeUtf8Length(bytes(0x80, 0x80, 0x80, 0x80, 0x80))).toBe(5);
    expect(completeUtf8Length(bytes(0xc3, 0xa9, 0x80))).toBe(3);
    expect(completeUtf8Length(bytes(0xe2, 0x82, 0xac, 0x80))).toBe(4);
  });

  test("every cut of random text keeps exactly the whole characters before it", () => {
    const pool = ["a", "~", "é", "ß", "€", "中", "😀", "𝄞"];
    const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    for (let i = 0; i < 300; i++) {
      const chars = Array.from(
        { length: 1 + Math.floor(Math.random() * 8) },
        () => pool[i % 3 === 0 ? 6 : Math.floor(Math.random() * pool.length)]!,
      );
      const b = enc.encode(chars.join(""));
      const boundaries = [0];
      for (const c of chars) boundaries.push(boundaries.at(-1)! + enc.encode(c).length);
      for (let cut = 0; cut <= b.length; cut++) {
        const keep = completeUtf8Length(b.subarray(0, cut));
        expect(keep, `${chars.join("")} cut ${cut}`).toBe(Math.max(...boundaries.filter((x) => x <= cut)));
        expect(() => fatal.decode(b.subarray(0, keep))).not.toThrow();
      }
    }
  });
});

const config: Config = {
  ...readConfig({} as Env),
  longPollTimeoutMs: 1_000,
  sseCloseAfterMs: 5_000,
  sseKeepAliveMs: 50,
  feedLingerMs: 100,
  maxAppendBytes: 1 << 20,
  maxAppendMessages: 10_000,
  maxReadBytes: 1 << 20,
  defaultProjectOpen: true,
  segmentMaxBytes: 1 << 24,
  segmentMaxMessages: 100_000,
  hotStorageLimitBytes: 1 << 30,
  segmentHeadCacheMs: 5_000,
  subscriptionsAllowLoopback: false,
};
const off = (position: number) => formatOffset({ segment: 0, position });

let streams = 0;

/**
 * A stream whose visible bytes grow read by read (the last snapshot persists).
 * It has no live feed, so the SSE loop falls back to polling reads.
 */
function fakeStream(contentType: string, snapshots: { bytes: Uint8Array; closed: boolean }[]): SseTarget {
  let reads = 0;
  const stub = {
    fetch: () => Promise.resolve(new Response("no feed", { status: 404 })),
    touch: () => Promise.resolve(),
    read(req: ReadRequest) {
      const snap = snapshots[Math.min(reads++, snapshots.length - 1)]!;
      const from = req.offset.kind === "at" ? req.offset.offset.position : 0;
      const data = snap.bytes.subarray(from);
      const end = snap.bytes.length;
      const r: ReadOk = {
        info: {
          instance: "i",
          contentType,
          nextOffset: off(end),
          closed: snap.closed,
          ttlSeconds: null,
          expiresAtMs: null,
        },
        startOffset: off(from),
        data,
        count: data.length > 0 ? 1 : 0,
        nextOffset: off(end),
        upToDate: true,
        eof: snap.closed,
      };
      return Promise.resolve({ ok: true as const, ...r });
    },
    readRest: () => Promise.reject(new Error("no large messages here")),
  };
  return { key: `fake-${++streams}`, stub, ctx: { waitUntil: () => undefined } };
}

/** The `data` payloads of a finished SSE body (data lines joined with LF). */
async function dataEvents(res: Response): Promise<string[]> {
  const out: string[] = [];
  for (const block of (await res.text()).split("\n\n")) {
    const lines = block.split("\n");
    if (lines[0] !== "event: data") continue;
    out.push(
      lines
        .slice(1)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.replace(/^data: ?/, ""))
        .join("\n"),
    );
  }
  return out;
}

describe("serveSse with a fake source", () => {
  test("application/json streams are sent as a JSON array of text", async () => {
    const res = await serveSse(
      fakeStream("application/json", [{ bytes: enc.encode('{"a":1},2'), closed: true }]),
      { kind: "start" },
      null,
      config,
    );
    expect(res.headers.get("stream-sse-data-encoding")).toBeNull();
    expect(await dataEvents(res)).toEqual(['[{"a":1},2]']);
  });

  test("binary streams are base64 even when the type merely starts with application/json", async () => {
    const body = enc.encode('{"op":"add"}');
    for (const type of ["application/octet-stream", "application/json-patch+json"]) {
      const res = await serveSse(fakeStream(type, [{ bytes: body, closed: true }]), { kind: "start" }, null, config);
      expect(res.headers.get("stream-sse-data-encoding"), type).toBe("base64");
      expect(await dataEvents(res), type).toEqual([Buffer.from(body).toString("base64")]);
    }
  });

  test("a character split across appends reaches the client intact", async () => {
    const all = enc.encode("a€"); // 61 e2 82 ac
    const res = await serveSse(
      fakeStream("text/plain", [
        { bytes: all.subarray(0, 3), closed: false },
        { bytes: all.subarray(0, 3), closed: false },
        { bytes: all, closed: true },
      ]),
      { kind: "start" },
      null,
      config,
    );
    expect((await dataEvents(res)).join("")).toBe("a€");
  });
});

/** Every event of a finished SSE body: its type, data lines and id. */
async function events(res: Response): Promise<{ type: string; data: string; id: string | undefined }[]> {
  return (await res.text())
    .split("\n\n")
    .filter((b) => b.startsWith("event: "))
    .map((block) => {
      const lines = block.split("\n");
      const field = (name: string) =>
        lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1));
      return { type: lines[0]!.slice(7), data: field("data").join("\n"), id: field("id")[0] };
    });
}

describe("serveSse event ids and Last-Event-ID", () => {
  const text = (s: string, closed: boolean) => [{ bytes: enc.encode(s), closed }];
  const resume = (position: number, cursor = "5", instance = "i") => ({
    point: parseEventId(encodeEventId(off(position), cursor, instance))!,
    instance: () => Promise.resolve("i"),
  });

  test("every data and control event carries the id of the offset after it", async () => {
    const res = await serveSse(fakeStream("text/plain", text("hello", true)), { kind: "start" }, null, config);
    const evs = await events(res);
    expect(evs.map((e) => e.type)).toEqual(["data", "control"]);
    const control = JSON.parse(evs[1]!.data) as { streamNextOffset: string };
    for (const e of evs) expect(parseEventId(e.id!)?.offset.position).toBe(5);
    expect(evs[1]!.id!.startsWith(`${control.streamNextOffset}:`)).toBe(true);
  });

  test("the id wins over the offset parameter", async () => {
    const res = await serveSse(
      fakeStream("text/plain", text("hello", true)),
      { kind: "start" },
      null,
      config,
      resume(2),
    );
    expect(res.status).toBe(200);
    expect((await dataEvents(res)).join("")).toBe("llo");
  });

  test("the id's cursor is moved past, like a cursor parameter", async () => {
    const res = await serveSse(
      fakeStream("text/plain", text("hello", false)),
      { kind: "start" },
      null,
      {
        ...config,
        sseCloseAfterMs: 0,
      },
      resume(0, "999999999"),
    );
    const control = JSON.parse((await events(res)).find((e) => e.type === "control")!.data) as { streamCursor: string };
    expect(Number(control.streamCursor)).toBeGreaterThan(999999999);
  });

  test("a reconnect at a closed stream's tail is 204 with no body", async () => {
    const res = await serveSse(
      fakeStream("text/plain", text("hello", true)),
      { kind: "start" },
      null,
      config,
      resume(5),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toBe("");
  });

  test("a fresh request at a closed tail still gets its closing control event", async () => {
    const res = await serveSse(
      fakeStream("text/plain", text("hello", true)),
      { kind: "at", offset: { segment: 0, position: 5 } },
      null,
      config,
    );
    expect(res.status).toBe(200);
    const evs = await events(res);
    expect(evs.map((e) => e.type)).toEqual(["control"]);
    expect(JSON.parse(evs[0]!.data)).toMatchObject({ streamClosed: true });
  });

  test("an id from another instance of the stream is 410", async () => {
    const err = await serveSse(
      fakeStream("text/plain", text("hello", false)),
      { kind: "start" },
      null,
      config,
      resume(2, "5", "other"),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).failure.status).toBe(410);
  });
});
