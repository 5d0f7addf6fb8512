import { describe, expect, test } from "vitest";
import { matchesPattern, parseStreamsClaim, patternProblem, streamAllowed } from "./patterns.js";

describe("stream-path patterns", () => {
  test.each([
    ["chat/*", "chat/room1", true],
    ["chat/*", "chat/a/b", false],
    ["chat/*", "chat", false],
    ["chat/*", "chatter/x", false],
    ["logs/**", "logs", true],
    ["logs/**", "logs/a/b/c", true],
    ["logs/**", "logsx/a", false],
    ["**", "anything/at/all", true],
    ["user-*", "user-42", true],
    ["user-*", "user-42/inbox", false],
    ["*-in", "tenant-in", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "axbyc", true],
    ["a*b*c", "acb", false],
    ["a/**/z", "a/z", true],
    ["a/**/z", "a/b/c/z", true],
    ["a/**/z", "a/b/c", false],
    ["Chat/*", "chat/x", false],
    ["exact/name", "exact/name", true],
  ])("%s vs %s → %s", (pattern, name, want) => {
    expect(matchesPattern(pattern, name)).toBe(want);
  });

  test("null means every stream; a list means any match", () => {
    expect(streamAllowed(null, "x")).toBe(true);
    expect(streamAllowed(["a/*", "b/**"], "b/c/d")).toBe(true);
    expect(streamAllowed(["a/*"], "b")).toBe(false);
  });

  test("bad patterns and claims are refused", () => {
    for (const p of ["", "a//b", "a/../b", "./a", "a**", "x/**y"]) expect(patternProblem(p), p).not.toBeNull();
    expect(patternProblem("a/**/b*")).toBeNull();
    expect(parseStreamsClaim(undefined)).toBeNull();
    expect(parseStreamsClaim([])).toBeInstanceOf(Error);
    expect(parseStreamsClaim("chat/*")).toBeInstanceOf(Error);
    expect(parseStreamsClaim([1])).toBeInstanceOf(Error);
    expect(parseStreamsClaim(Array(33).fill("a"))).toBeInstanceOf(Error);
    expect(parseStreamsClaim(["chat/*"])).toEqual(["chat/*"]);
  });
});
