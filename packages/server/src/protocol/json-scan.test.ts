import { describe, expect, test } from "vitest";
import { JsonScanner } from "./json-scan.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Scans `body` in chunks of `size` bytes; the messages' texts, or the failure's code. */
function scan(body: Uint8Array, size = body.length || 1, max = 1_000_000): string[] | string {
  const s = new JsonScanner(max);
  for (let at = 0; at < body.length; at += size) {
    const err = s.push(body.subarray(at, at + size));
    if (err) return err.code;
  }
  const err = s.finish();
  if (err) return err.code;
  const out: string[] = [];
  for (let i = 0; i < s.bounds.length; i += 2) out.push(dec.decode(body.subarray(s.bounds[i], s.bounds[i + 1])));
  return out;
}

/** What the scanner must agree with: JSON.parse for validity, then one level of flattening. */
function reference(text: string): string[] | string {
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [JSON.stringify(v)];
    return v.map((e) => JSON.stringify(e));
  } catch {
    return "invalid_json";
  }
}

/** Deterministic pseudo-random JSON-ish text: valid values, sometimes mutated. */
function randomText(seed: number): string {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const value = (depth: number): string => {
    const ws = () => [" ", "", "\n", "\t "][rnd(4)]!;
    switch (depth > 3 ? rnd(5) : rnd(7)) {
      case 0:
        return String(rnd(2) ? -rnd(1000) : rnd(1000) / 8);
      case 1:
        return ["true", "false", "null"][rnd(3)]!;
      case 2:
        return JSON.stringify(["", "a,]", 'q"\\', "é🌍", "\u0001"][rnd(5)]);
      case 3:
        return `${rnd(2)}e${rnd(2) ? "-" : "+"}${rnd(9)}`;
      case 4:
        return '"\\u00e9\\n"';
      case 5:
        return `[${ws()}${Array.from({ length: rnd(4) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
      default:
        return `{${Array.from({ length: rnd(3) }, (_, i) => `${ws()}"k${i}"${ws()}:${ws()}${value(depth + 1)}`).join(",")}}`;
    }
  };
  // Mutate whole code points, so the text stays encodable as it is.
  const points = Array.from(` ${value(0)} `);
  if (rnd(3) === 0) points[rnd(points.length)] = ["", ",", "]", "}", '"', "-", "0", ".", "x"][rnd(9)]!;
  return points.join("");
}

describe("JsonScanner", () => {
  test("agrees with JSON.parse on validity and with one level of flattening, in any chunking", () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const text = randomText(seed);
      const want = reference(text);
      const body = enc.encode(text);
      const got = scan(body);
      if (typeof want === "string") expect(got, text).toBe("invalid_json");
      // Elements keep their own bytes (whitespace inside them is theirs), so compare parsed values.
      else expect(typeof got === "string" ? got : got.map((e) => JSON.stringify(JSON.parse(e))), text).toEqual(want);
      expect(scan(body, 1), text).toEqual(got);
      expect(scan(body, 3), text).toEqual(got);
    }
  });

  test("elements are the bytes written, trimmed of JSON whitespace", () => {
    expect(scan(enc.encode(' [ {"a" : 1} ,\n"x" , -0.5e+3 ] '))).toEqual(['{"a" : 1}', '"x"', "-0.5e+3"]);
    expect(scan(enc.encode("\uFEFF 7 "))).toEqual(["7"]);
  });

  test("stops with 413 as soon as an array has more elements than allowed", () => {
    const s = new JsonScanner(3);
    expect(s.push(enc.encode("[1,2,3]"))).toBeNull();
    expect(s.finish()).toBeNull();
    const over = new JsonScanner(3);
    expect(over.push(enc.encode("[1,2,3,4"))).toMatchObject({ status: 413, code: "too_many_messages" });
    // Elements of nested arrays are not messages.
    expect(scan(enc.encode("[[1,2,3,4]]"), 2, 3)).toEqual(["[1,2,3,4]"]);
  });

  test("refuses nesting deeper than 512 levels", () => {
    expect(scan(enc.encode("[".repeat(600) + "]".repeat(600)))).toBe("invalid_json");
    expect(scan(enc.encode("[".repeat(500) + "]".repeat(500)))).toHaveLength(1);
  });

  test("a cut-off body is invalid", () => {
    for (const t of ['{"a":1', "[1,", '"abc', "tru", "-", "1e", "[1.", '{"a"']) {
      expect(scan(enc.encode(t)), t).toBe("invalid_json");
    }
  });
});
