import { describe, expect, test } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.js";

describe("listing cursors", () => {
  test("round-trip, including non-ASCII names and null values", () => {
    for (const c of [
      { sort: "name" as const, desc: false, filter: '["",null,"all"]', after: { value: null, name: "chat/ü/😀" } },
      { sort: "bytes" as const, desc: true, filter: "[]", after: { value: 123456789, name: "a" } },
      { sort: "lastAppend" as const, desc: false, filter: "x", after: { value: 0, name: "" } },
    ]) {
      const token = encodeCursor(c);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(token)).toEqual(c);
    }
  });

  test("rejects anything else with a reason", () => {
    for (const bad of [
      "",
      "!!!",
      btoa("[2]"),
      btoa('[1,"size",0,"",null,"a"]'),
      btoa('[1,"name",0,"",null,5]'),
      btoa("{}"),
    ]) {
      expect(typeof decodeCursor(bad)).toBe("string");
    }
  });
});
