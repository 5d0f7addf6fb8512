import { describe, expect, test } from "vitest";
import { estuaryIdProblem, producerIdOf, producerPosition, sessionKey, splitKey } from "./ids.js";

describe("estuary ids", () => {
  test("valid and invalid estuary ids", () => {
    for (const ok of ["a", "A9", "sess-1.x_y", "x".repeat(128)]) expect(estuaryIdProblem(ok), ok).toBeNull();
    for (const bad of ["", "-a", ".a", "_a", "a/b", "a b", "x".repeat(129), "é", 5, null]) {
      expect(estuaryIdProblem(bad), String(bad)).not.toBeNull();
    }
  });

  test("keys split back into project and name (names may hold slashes)", () => {
    expect(sessionKey("p", "s")).toBe("p/s");
    expect(splitKey("proj/chat/room")).toEqual({ project: "proj", name: "chat/room" });
  });

  test("producer ids differ per source instance", () => {
    expect(producerIdOf("p/s", "i1")).not.toBe(producerIdOf("p/s", "i2"));
  });

  test("seqs are contiguous from 0 per subscription and a later subscription has a larger epoch", () => {
    expect([11, 12, 13].map((id) => producerPosition(10, id))).toEqual([
      { epoch: 10, seq: 0 },
      { epoch: 10, seq: 1 },
      { epoch: 10, seq: 2 },
    ]);
    expect(producerPosition(13, 14)).toEqual({ epoch: 13, seq: 0 });
  });
});
