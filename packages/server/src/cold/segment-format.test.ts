import { describe, expect, test } from "vitest";
import {
  decodeIndex,
  encodeSegment,
  findMessage,
  infoFromMetadata,
  infoToMetadata,
  locateInSegment,
  parseHead,
  piecesOf,
  planRead,
  segmentKey,
  type LogRow,
  type SegmentDescriptor,
} from "./segment-format.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Rows as the hot log stores them: batches of messages starting at `start`. */
function rows(start: number, batches: string[][]): LogRow[] {
  const out: LogRow[] = [];
  let pos = start;
  for (const batch of batches) {
    batch.forEach((m, i) => {
      out.push({ pos, data: enc.encode(m), flags: 1 | (i === 0 ? 2 : 0) });
      pos += enc.encode(m).length;
    });
  }
  return out;
}

function descriptor(start: number, batches: string[][]): { d: SegmentDescriptor; body: Uint8Array } {
  const r = rows(start, batches);
  const end = start + r.reduce((n, x) => n + x.data.length, 0);
  const body = encodeSegment(r, start, end, r.length);
  const index = decodeIndex(body.subarray(end - start));
  return { d: { instance: "i", segment: 3, start, end, messages: r.length, index }, body };
}

describe("segment format", () => {
  const batches = [["aa", "bbb"], ["c"], ["dddd", "e", "ff"]];
  const { d, body } = descriptor(100, batches);

  test("the body is the data followed by the message index", () => {
    expect(dec.decode(body.subarray(0, d.end - d.start))).toBe("aabbbcddddeff");
    expect(Array.from(d.index, (x) => x & 0x7fffffff)).toEqual([0, 2, 5, 6, 10, 11]);
    expect(Array.from(d.index, (x) => x >>> 31)).toEqual([1, 0, 1, 1, 0, 0]);
    expect(findMessage(d.index, 6)).toBe(3);
    expect(findMessage(d.index, 7)).toBe(-1);
  });

  test("JSON plans return whole messages, at least one, within the limit", () => {
    const data = (from: number, maxBytes: number, limit?: number) => {
      const plan = planRead(d, from, maxBytes, true, limit);
      return plan && piecesOf(plan, body.subarray(plan.from, plan.to)).map((p) => dec.decode(p));
    };
    expect(data(100, 1)).toEqual(["aa"]);
    expect(data(100, 3)).toEqual(["aa", "bbb"]);
    expect(data(105, 100)).toEqual(["c", "dddd", "e", "ff"]);
    expect(data(105, 100, 111)).toEqual(["c", "dddd", "e"]);
    expect(data(101, 100)).toBeNull();
  });

  test("byte plans cut anywhere", () => {
    const plan = planRead(d, 103, 4, false)!;
    expect(dec.decode(piecesOf(plan, body.subarray(plan.from, plan.to))[0]!)).toBe("bbcd");
    expect(planRead(d, 111, 100, false)).toMatchObject({ from: 11, to: 13 });
  });

  test("sub-offsets stay inside the append batch at the fork offset", () => {
    expect(locateInSegment(d, 106, 2, d.end, true)).toBe(111);
    expect(locateInSegment(d, 106, 3, d.end, true)).toBe(113);
    expect(locateInSegment(d, 106, 4, d.end, true)).toBe("messages");
    expect(locateInSegment(d, 100, 5, d.end, false)).toBe(105);
    expect(locateInSegment(d, 100, 6, d.end, false)).toBe("bytes");
  });

  test("encoding refuses rows that do not cover the range", () => {
    const r = rows(0, [["ab", "c"]]);
    expect(() => encodeSegment(r, 0, 4, 2)).toThrow();
    expect(() => encodeSegment(r.slice(1), 0, 3, 1)).toThrow();
    expect(() => encodeSegment(r, 0, 3, 1)).toThrow();
  });

  test("metadata, heads and keys round-trip; junk is refused", () => {
    const info = { instance: "abc", segment: 7, start: 10, end: 20, messages: 2 };
    expect(infoFromMetadata(infoToMetadata(info))).toEqual(info);
    expect(infoFromMetadata({ instance: "x", segment: "1", start: "5", end: "4", messages: "0" })).toBeUndefined();
    expect(segmentKey("id", "inst", 42)).toBe("streams/id/inst/0000000000000042");
    const head = {
      v: 1,
      instance: "i",
      contentType: "text/plain",
      base: 0,
      ownStart: 0,
      sealed: 2,
      ttlSeconds: null,
      expiresAtMs: null,
    };
    expect(parseHead(JSON.stringify(head))).toEqual(head);
    expect(parseHead('{"v":2}')).toBeUndefined();
    expect(parseHead("not json")).toBeUndefined();
  });
});
