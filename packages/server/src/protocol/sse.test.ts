/** SSE encoding (PROTOCOL.md §5.8) checked against a small WHATWG-style event-stream parser. */
import { describe, expect, test } from "vitest";
import { encodeBase64Data, encodeControl, encodeEvent, encodeKeepAlive, encodeTextData, toBase64 } from "./sse.js";

interface ParsedEvent {
  type: string;
  data: string;
}

/** Parses an event stream per the HTML spec's interpretation rules (fields we use only). */
function parseSse(stream: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  let type = "";
  let data = "";
  const lines = stream.split(/\r\n|\r|\n/);
  lines.pop(); // text after the last line break is an incomplete line
  for (const line of lines) {
    if (line === "") {
      if (data !== "") events.push({ type: type || "message", data: data.slice(0, -1) });
      type = "";
      data = "";
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data += `${value}\n`;
  }
  return events;
}

const normalise = (s: string) => s.replace(/\r\n|\r/g, "\n");
const single = (wire: string): ParsedEvent => {
  const events = parseSse(wire);
  expect(events, JSON.stringify(wire)).toHaveLength(1);
  return events[0]!;
};

describe("the test parser itself", () => {
  test("follows the spec on a hand-written stream", () => {
    const wire = ": hi\r\nevent: a\ndata: one\r\ndata:two\rdata:  three\n\ndata\n\nevent: b\n\n";
    expect(parseSse(wire)).toEqual([
      { type: "a", data: "one\ntwo\n three" },
      { type: "message", data: "" },
    ]);
  });
});

describe("text events", () => {
  test("a simple payload is one data event", () => {
    expect(single(encodeTextData("hello"))).toEqual({ type: "data", data: "hello" });
  });

  test("every payload line gets its own data: line", () => {
    const wire = encodeEvent("data", "a\nb\r\nc\rd");
    const dataLines = wire.split("\n").filter((l) => l.startsWith("data:"));
    expect(dataLines).toEqual(["data:a", "data:b", "data:c", "data:d"]);
    expect(wire).not.toContain("\r");
  });

  test.each([
    ["LF", "x\n\ny"],
    ["CR", "x\r\ry"],
    ["CRLF", "x\r\n\r\ny"],
    ["mixed", "x\r\n\r\n\n\r\ry"],
    ["trailing", "x\n\n"],
    ["leading", "\n\nx"],
  ])("blank lines made of %s cannot end the event", (_name, payload) => {
    expect(single(encodeTextData(payload))).toEqual({ type: "data", data: normalise(payload) });
  });

  test("a payload cannot forge a second event", () => {
    const payload = 'hi\n\nevent: control\ndata: {"streamNextOffset":"x"}\n\n';
    const events = parseSse(encodeTextData(payload));
    expect(events).toEqual([{ type: "data", data: payload }]);
  });

  test("a comment-looking or field-looking line stays data", () => {
    expect(single(encodeTextData(": not a comment\nid: 5\nretry: 1"))).toEqual({
      type: "data",
      data: ": not a comment\nid: 5\nretry: 1",
    });
  });

  test("leading spaces survive the parser's one-space strip", () => {
    expect(encodeTextData(" x")).toContain("\ndata:  x\n");
    for (const payload of [" x", "  two", "a\n b\n  c", " ", "\n "]) {
      expect(single(encodeTextData(payload)).data).toBe(payload);
    }
  });

  test("an empty payload is an event with empty data", () => {
    expect(single(encodeTextData(""))).toEqual({ type: "data", data: "" });
  });

  test("JSON arrays spanning lines decode to the same JSON", () => {
    const text = JSON.stringify([{ k: "v\nw" }, { k: " x" }], null, 2);
    expect(JSON.parse(single(encodeTextData(text)).data)).toEqual([{ k: "v\nw" }, { k: " x" }]);
  });

  test("random payloads round-trip with line breaks normalised to LF", () => {
    const alphabet = [
      "a",
      "Z",
      " ",
      "  ",
      ":",
      "\r",
      "\n",
      "\r\n",
      "data:",
      "event:",
      "é",
      "🌍",
      "\u2028",
      "\u0000",
      "\t",
    ];
    for (let i = 0; i < 2000; i++) {
      let s = "";
      const len = Math.floor(Math.random() * 24);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      expect(single(encodeTextData(s)).data, JSON.stringify(s)).toBe(normalise(s));
    }
  });

  test("a sequence of events parses back in order", () => {
    const payloads = ["one", "two\r\n\r\nthree", " four", ""];
    const wire =
      payloads.map((p) => encodeTextData(p)).join("") + encodeKeepAlive() + encodeControl({ streamNextOffset: "o" });
    const events = parseSse(wire);
    expect(events.map((e) => e.data)).toEqual([...payloads.map(normalise), '{"streamNextOffset":"o"}']);
    expect(events.map((e) => e.type)).toEqual(["data", "data", "data", "data", "control"]);
  });
});

describe("control events", () => {
  test("carry the control fields as camelCase JSON", () => {
    const control = {
      streamNextOffset: "0000000000000000_0000000000000042",
      streamCursor: "123",
      upToDate: true as const,
    };
    const e = single(encodeControl(control));
    expect(e.type).toBe("control");
    expect(JSON.parse(e.data)).toEqual(control);
  });

  test("a closing control event has streamClosed and no cursor", () => {
    const e = single(encodeControl({ streamNextOffset: "o", streamClosed: true }));
    expect(JSON.parse(e.data)).toEqual({ streamNextOffset: "o", streamClosed: true });
  });
});

describe("binary events", () => {
  const decode = (wire: string): Uint8Array => {
    const b64 = single(wire).data.replace(/[\r\n]/g, "");
    expect(b64.length % 4).toBe(0);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };

  test("bytes including NUL, CR, LF and 0xff round-trip via atob", () => {
    const raw = new Uint8Array([0x00, 0x0d, 0x0a, 0xff, 0x20, 0x3a, 0x0d, 0x0d, 0x0a, 0x0a, 0x80]);
    expect(decode(encodeBase64Data(raw))).toEqual(raw);
  });

  test("every byte value round-trips", () => {
    const raw = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decode(encodeBase64Data(raw))).toEqual(raw);
  });

  test("large payloads (past the internal chunk size) round-trip", () => {
    const raw = Uint8Array.from({ length: 40_003 }, () => Math.floor(Math.random() * 256));
    expect(decode(encodeBase64Data(raw))).toEqual(raw);
    expect(toBase64(raw)).toBe(Buffer.from(raw).toString("base64"));
  });

  test("standard alphabet with padding; empty bytes give empty text", () => {
    expect(toBase64(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
    expect(toBase64(new Uint8Array([0x61]))).toBe("YQ==");
    expect(toBase64(new Uint8Array(0))).toBe("");
    expect(single(encodeBase64Data(new Uint8Array(0)))).toEqual({ type: "data", data: "" });
  });
});

describe("keep-alive", () => {
  test("is a comment the parser ignores", () => {
    const k = encodeKeepAlive();
    expect(k.startsWith(":")).toBe(true);
    expect(k.endsWith("\n\n")).toBe(true);
    expect(parseSse(k + k)).toEqual([]);
  });
});

describe("event ids", () => {
  test("the id line comes after the data lines, so `event: control\\ndata:` still matches", () => {
    const wire = encodeControl({ streamNextOffset: "o", streamCursor: "1" }, "o:1:abc");
    expect(wire).toBe('event: control\ndata:{"streamNextOffset":"o","streamCursor":"1"}\nid:o:1:abc\n\n');
    expect(/event: control\s*\ndata:({[^}]+})/.exec(wire)?.[1]).toBe('{"streamNextOffset":"o","streamCursor":"1"}');
    expect(single(wire)).toEqual({ type: "control", data: '{"streamNextOffset":"o","streamCursor":"1"}' });
  });

  test("data events carry the id too; without one nothing changes", () => {
    expect(encodeTextData("x", "i")).toBe("event: data\ndata:x\nid:i\n\n");
    expect(encodeBase64Data(new Uint8Array([1, 2, 3]), "i")).toBe("event: data\ndata:AQID\nid:i\n\n");
    expect(encodeTextData("x")).toBe("event: data\ndata:x\n\n");
  });

  test.each(["a\nb", "a\rb", "a\0b"])("an id that could break the stream is refused: %j", (id) => {
    expect(() => encodeTextData("x", id)).toThrow();
  });
});
