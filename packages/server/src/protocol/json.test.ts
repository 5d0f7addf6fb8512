/** JSON mode (PROTOCOL.md §9.1): one-level array flattening that keeps each message's original text. */
import { describe, expect, test } from "vitest";
import { concatMessageLists, frameJsonArray, joinMessages, splitJsonMessages } from "./json.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);
const texts = (body: string | Uint8Array, allowEmpty = false): string[] => {
  const r = splitJsonMessages(typeof body === "string" ? bytes(body) : body, allowEmpty);
  if (!Array.isArray(r)) throw new Error(`expected messages, got ${JSON.stringify(r)}`);
  return r.map((m) => dec.decode(m));
};
const invalid = { ok: false, status: 400, code: "invalid_json" };

describe("splitJsonMessages: non-array bodies", () => {
  test.each([
    ['{"a":1}', '{"a":1}'],
    ['  \n\t{ "a" : [1, 2] }\r\n ', '{ "a" : [1, 2] }'],
    ["42", "42"],
    ['"[not, an, array]"', '"[not, an, array]"'],
    [" null ", "null"],
    ["true", "true"],
  ])("%j is one message %j", (body, message) => {
    expect(texts(body)).toEqual([message]);
  });
});

describe("splitJsonMessages: arrays", () => {
  test("flattens one level into element texts", () => {
    expect(texts('[1,"two",{"three":3},null]')).toEqual(["1", '"two"', '{"three":3}', "null"]);
  });

  test("trims around elements but keeps whitespace inside them", () => {
    expect(texts(' [ {"a": 1,  "b" : [ 2 ]} ,\n  "x  y" \t] ')).toEqual(['{"a": 1,  "b" : [ 2 ]}', '"x  y"']);
  });

  test("nested arrays flatten exactly one level", () => {
    expect(texts("[[1,2],[3,4]]")).toEqual(["[1,2]", "[3,4]"]);
    expect(texts("[[[1,2,3]]]")).toEqual(["[[1,2,3]]"]);
    expect(texts("[[]]")).toEqual(["[]"]);
    expect(texts("[{}, []]")).toEqual(["{}", "[]"]);
  });

  test("commas, brackets and braces inside strings do not split", () => {
    expect(texts('["a,b", "[c]", "{d,e}", "]", "["]')).toEqual(['"a,b"', '"[c]"', '"{d,e}"', '"]"', '"["']);
  });

  test("escaped quotes and backslashes inside strings", () => {
    const body = String.raw`["say \"hi\", ok", "back\\", "\\\"],[", {"k\"]":"\\"}, 1]`;
    expect(JSON.parse(body)).toHaveLength(5);
    expect(texts(body)).toEqual([
      String.raw`"say \"hi\", ok"`,
      String.raw`"back\\"`,
      String.raw`"\\\"],["`,
      String.raw`{"k\"]":"\\"}`,
      "1",
    ]);
  });

  test("unicode and escapes survive byte-for-byte", () => {
    const body = '["héllo 🌍", "\\u00e9\\n"]';
    expect(texts(body)).toEqual(['"héllo 🌍"', '"\\u00e9\\n"']);
  });

  test("every element parses back to the original value", () => {
    const values = [0, -1.5e-3, "s", "a,b]", { x: [1, { y: "]" }] }, [[1], [2, [3]]], null, false, '\\"'];
    const got = texts(JSON.stringify(values, null, 2)).map((t) => JSON.parse(t) as unknown);
    expect(got).toEqual(values);
  });

  test("random nested values with tricky strings split into their elements", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const str = () =>
      Array.from({ length: Math.floor(rnd() * 6) }, () =>
        pick(["a", ",", "[", "]", "{", "}", '"', "\\", " ", "é", "\n"]),
      ).join("");
    const value = (depth: number): unknown => {
      const k = depth > 2 ? Math.floor(rnd() * 3) : Math.floor(rnd() * 5);
      if (k === 0) return str();
      if (k === 1) return Math.floor(rnd() * 1000) - 500;
      if (k === 2) return pick([null, true, false]);
      if (k === 3) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [str(), value(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => value(0));
      const body = JSON.stringify(values, null, pick([0, 1, 4]));
      expect(
        texts(body).map((t) => JSON.parse(t) as unknown),
        body,
      ).toEqual(values);
    }
  });

  test("[] is rejected for appends and allowed for create", () => {
    expect(splitJsonMessages(bytes("[]"), false)).toMatchObject(invalid);
    expect(splitJsonMessages(bytes(" [ \n ] "), false)).toMatchObject(invalid);
    expect(texts("[]", true)).toEqual([]);
    expect(texts(" [ \n ] ", true)).toEqual([]);
  });

  test("a single-element array is one message", () => {
    expect(texts('[ "" ]')).toEqual(['""']);
    expect(texts("[0]")).toEqual(["0"]);
  });
});

describe("splitJsonMessages: invalid bodies", () => {
  test.each(["", "   ", "[1,]", "[1 2]", "{a:1}", "'x'", "[1]]", "[1][2]", "[", "NaN", "01", '{"a":1} x'])(
    "%j → 400 invalid_json",
    (body) => {
      expect(splitJsonMessages(bytes(body), true)).toMatchObject(invalid);
    },
  );

  test.each([
    ["lone continuation byte", [0x22, 0x80, 0x22]],
    ["0xff", [0x5b, 0x22, 0xff, 0x22, 0x5d]],
    ["truncated 2-byte sequence", [0x22, 0xc3, 0x22]],
    ["overlong encoding", [0x22, 0xc0, 0xaf, 0x22]],
    ["encoded surrogate", [0x22, 0xed, 0xa0, 0x80, 0x22]],
  ])("invalid UTF-8 (%s) → 400 invalid_json", (_name, raw) => {
    expect(splitJsonMessages(new Uint8Array(raw), true)).toMatchObject(invalid);
  });
});

describe("joining and framing", () => {
  const msgs = (...s: string[]) => s.map(bytes);

  test("joinMessages separates with commas", () => {
    expect(dec.decode(joinMessages(msgs('{"a":1}', "2", '"x"')))).toBe('{"a":1},2,"x"');
    expect(dec.decode(joinMessages(msgs("1")))).toBe("1");
    expect(joinMessages([])).toHaveLength(0);
  });

  test("joinMessages counts bytes, not characters", () => {
    const out = joinMessages(msgs('"é"', '"🌍"'));
    expect(out).toHaveLength(4 + 6 + 1);
    expect(dec.decode(out)).toBe('"é","🌍"');
  });

  test("concatMessageLists inserts one comma only between non-empty lists", () => {
    const a = bytes("1,2");
    const b = bytes("3");
    expect(dec.decode(concatMessageLists(a, b))).toBe("1,2,3");
    expect(dec.decode(concatMessageLists(new Uint8Array(0), b))).toBe("3");
    expect(dec.decode(concatMessageLists(a, new Uint8Array(0)))).toBe("1,2");
    expect(concatMessageLists(new Uint8Array(0), new Uint8Array(0))).toHaveLength(0);
  });

  test("frameJsonArray wraps in brackets", () => {
    expect(dec.decode(frameJsonArray(bytes('1,"a"')))).toBe('[1,"a"]');
    expect(dec.decode(frameJsonArray(new Uint8Array(0)))).toBe("[]");
  });

  test("split → join → frame round-trips the messages of several appends", () => {
    const first = splitJsonMessages(bytes('[ {"n": 1} , "a,]" ]'), false);
    const second = splitJsonMessages(bytes(' {"n":2} '), false);
    if (!Array.isArray(first) || !Array.isArray(second)) throw new Error("split failed");
    const body = frameJsonArray(concatMessageLists(joinMessages(first), joinMessages(second)));
    expect(dec.decode(body)).toBe('[{"n": 1},"a,]",{"n":2}]');
    expect(JSON.parse(dec.decode(body))).toEqual([{ n: 1 }, "a,]", { n: 2 }]);
  });
});
