import { describe, expect, test } from "vitest";
import { BodyGate, receiveBody, ReceivedBody } from "./append-body.js";
import { ROW_MAX_BYTES } from "./schema.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const limits = { maxBytes: 8 * ROW_MAX_BYTES, maxMessages: 100 };

/** A body stream delivering `bytes` in chunks of `size`. */
function chunkStream(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      if (at >= bytes.length) return ctl.close();
      ctl.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/**
 * A byte stream, as workerd's request bodies and streams over RPC are: it
 * writes at most `size` bytes into the reader's own buffer (BYOB) per pull.
 */
function byteStream(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(ctl) {
      if (at >= bytes.length) {
        // A read waiting on its own buffer is answered with 0 bytes after the close.
        ctl.close();
        return ctl.byobRequest?.respond(0);
      }
      const req = ctl.byobRequest;
      if (!req?.view) {
        ctl.enqueue(bytes.slice(at, at + size));
        at += size;
        return;
      }
      const view = new Uint8Array(req.view.buffer, req.view.byteOffset, req.view.byteLength);
      const n = Math.min(size, view.length, bytes.length - at);
      view.set(bytes.subarray(at, at + n));
      at += n;
      req.respond(n);
    },
  });
}

describe.each([
  ["a stream of chunks", chunkStream],
  ["a byte stream, read into the blocks (BYOB)", byteStream],
])("receiveBody from %s", (_, streamOf) => {
  async function receive(text: string | Uint8Array, json: boolean, size = 7): Promise<ReceivedBody> {
    const bytes = typeof text === "string" ? enc.encode(text) : text;
    const r = await receiveBody(streamOf(bytes, size), limits, json, false, new BodyGate());
    if (!(r instanceof ReceivedBody)) throw new Error(JSON.stringify(r));
    return r;
  }

  test("JSON messages are found while the body arrives, as the bytes written", async () => {
    const r = await receive(' [ {"a": 1}, "x,]" , 3 ] ', true);
    expect(r.invalid).toBeNull();
    expect(r.messageBytes().map((m) => dec.decode(m))).toEqual(['{"a": 1}', '"x,]"', "3"]);
  });

  test("a large body is kept in row-sized pieces, and a message spanning them reads back whole", async () => {
    const big = `["${"z".repeat(3 * ROW_MAX_BYTES)}", 1]`;
    const r = await receive(big, true, 100_000);
    expect(r.messages).toHaveLength(2);
    expect(r.messages[0]!.length).toBe(4);
    for (const p of r.messages[0]!) expect(p.length).toBeLessThanOrEqual(ROW_MAX_BYTES);
    expect(dec.decode(r.messageBytes()[0])).toBe(`"${"z".repeat(3 * ROW_MAX_BYTES)}"`);
    const bytes = await receive(new Uint8Array(2.5 * ROW_MAX_BYTES).fill(9), false, 65_536);
    expect(bytes.messages[0]!.map((p) => p.length)).toEqual([ROW_MAX_BYTES, ROW_MAX_BYTES, ROW_MAX_BYTES / 2]);
  });

  test("too many messages, invalid JSON and too many bytes", async () => {
    expect((await receive(`[${"1,".repeat(200)}1]`, true)).invalid).toMatchObject({
      status: 413,
      code: "too_many_messages",
    });
    expect((await receive("[1, 2", true)).invalid).toMatchObject({ status: 400, code: "invalid_json" });
    expect((await receive("[]", true)).invalid).toMatchObject({ status: 400 });
    const over = await receiveBody(
      streamOf(new Uint8Array(9 * ROW_MAX_BYTES), 1 << 20),
      limits,
      false,
      false,
      new BodyGate(),
    );
    expect(over).toMatchObject({ ok: false, status: 413, code: "payload_too_large" });
    // Exactly the limit is accepted.
    const full = await receive(new Uint8Array(limits.maxBytes).fill(1), false, 1 << 20);
    expect(full.size).toBe(limits.maxBytes);
  });

  test("one body larger than a row at a time per gate", async () => {
    const gate = new BodyGate();
    const order: string[] = [];
    const slow = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        if (order.includes("slow-done")) return ctl.close();
        ctl.enqueue(new Uint8Array(ROW_MAX_BYTES));
        await new Promise((r) => setTimeout(r, 20));
        ctl.enqueue(new Uint8Array(10));
        order.push("slow-done");
      },
    });
    const a = receiveBody(slow, limits, false, false, gate).then(() => order.push("a"));
    await new Promise((r) => setTimeout(r, 5));
    const b = receiveBody(streamOf(new Uint8Array(2 * ROW_MAX_BYTES), ROW_MAX_BYTES), limits, false, false, gate).then(
      () => order.push("b"),
    );
    await Promise.all([a, b]);
    expect(order.indexOf("a")).toBeLessThan(order.indexOf("b"));
  });

  test("a body cut at every size reads back byte-exact, in row-sized pieces", async () => {
    const bytes = new Uint8Array(2 * ROW_MAX_BYTES + 123).map((_, i) => (i * 31) & 0xff);
    for (const size of [1000, 65_536, ROW_MAX_BYTES - 1, 3 * ROW_MAX_BYTES]) {
      const r = await receive(bytes, false, size);
      const pieces = r.messages[0]!;
      expect(pieces.map((p) => p.length)).toEqual([ROW_MAX_BYTES, ROW_MAX_BYTES, 123]);
      expect(Buffer.from(r.messageBytes()[0]!).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
