import { describe, expect, test } from "vitest";
import { isFailure } from "../protocol/parse.js";
import { encodeCursor } from "./cursor.js";
import { parseListParams } from "./list-params.js";

describe("listing parameters", () => {
  test("defaults: by name ascending, 100 per page; other sorts default to descending", () => {
    expect(parseListParams({})).toMatchObject({ sort: "name", desc: false, limit: 100, prefix: "", glob: null });
    expect(parseListParams({ sort: "bytes" })).toMatchObject({ sort: "bytes", desc: true });
    expect(parseListParams({ kind: "session" })).toMatchObject({ session: true });
  });

  test("a cursor is accepted only with the filters it was minted for", () => {
    const p = parseListParams({ prefix: "a" });
    if (isFailure(p)) throw new Error("unexpected");
    const cursor = encodeCursor({ sort: "name", desc: false, filter: p.filter, after: { value: null, name: "a1" } });
    expect(parseListParams({ prefix: "a", cursor })).toMatchObject({ after: { name: "a1" } });
    expect(isFailure(parseListParams({ prefix: "b", cursor }))).toBe(true);
    expect(isFailure(parseListParams({ prefix: "a", cursor, order: "desc" }))).toBe(true);
  });

  test("bad values are failures with a message", () => {
    for (const o of [
      { sort: "size" },
      { order: "up" },
      { limit: "0" },
      { limit: 1001 },
      { glob: "a**" },
      { kind: "x" },
    ]) {
      const r = parseListParams(o);
      expect(isFailure(r) && r.status === 400 && r.message.length > 5, JSON.stringify(o)).toBe(true);
    }
  });
});
