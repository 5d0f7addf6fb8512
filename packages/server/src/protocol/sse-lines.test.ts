import { describe, expect, test } from "vitest";
import { encodeEvent } from "./sse.js";
import { SseDataLines } from "./sse-lines.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function streamed(chunks: string[], id: string): string {
  const e = new SseDataLines();
  const parts = [...e.begin(), ...chunks.flatMap((c) => e.push(enc.encode(c))), ...e.end(id)];
  return parts.map((p) => dec.decode(p)).join("");
}

describe("SseDataLines", () => {
  const payloads = ["", "[1]", "a\nb", "a\r\nb", "a\rb", " lead", "x\n\n y\r\n\r\n", "end\n", "\r", "\r\n", "a\r\r\nb"];
  test("matches encodeEvent for every split of the payload", () => {
    for (const p of payloads) {
      const want = encodeEvent("data", p, "7");
      for (let cut = 0; cut <= p.length; cut++) {
        expect(streamed([p.slice(0, cut), p.slice(cut)], "7"), JSON.stringify([p, cut])).toBe(want);
      }
      expect(streamed([...p], "7"), JSON.stringify(p)).toBe(want);
      expect(streamed([`é${p}€`], "7")).toBe(encodeEvent("data", `é${p}€`, "7"));
    }
  });

  test("a CRLF split across chunks is one break", () => {
    expect(streamed(["a\r", "\nb"], "1")).toBe("event: data\ndata:a\ndata:b\nid:1\n\n");
  });
});
