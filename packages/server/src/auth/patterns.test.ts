import { describe, expect, test } from "vitest";
import { matchSteps, matchesPattern, parseStreamsClaim, patternProblem, streamAllowed } from "./patterns.js";

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
    ["**/**", "", true],
    ["**/**", "a/b", true],
    ["**/z", "z", true],
    ["**/z", "a/z/b", false],
    ["**/x/**", "a/x/b/x", true],
    ["**/x/**", "a/y/b", false],
    ["a/**/b/**/c", "a/b/c", true],
    ["a/**/b/**/c", "a/q/b/r/s/c", true],
    ["a/**/b/**/c", "a/c/b", false],
    ["*/**/*", "one", false],
    ["*/**/*", "one/two", true],
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

  test("work is polynomial in the number of '**': 5 of them on a 60-segment name", () => {
    const pattern = "**/a/**/a/**/a/**/a/**/b";
    const name = Array(60).fill("a").join("/");
    expect(matchesPattern(pattern, name)).toBe(false);
    const steps = matchSteps(pattern, name);
    // At most one step per (pattern segment, name position) pair; backtracking took millions.
    expect(steps).toBeLessThanOrEqual(pattern.split("/").length * 61);
    expect(matchSteps("**/**/**/**/**/**/**/**/**/**/b", Array(200).fill("a").join("/"))).toBeLessThanOrEqual(11 * 201);
  });

  test("agrees with a plain backtracking matcher on random small cases", () => {
    const naive = (p: string[], n: string[]): boolean => {
      if (p.length === 0) return n.length === 0;
      if (p[0] === "**") return n.some((_, k) => naive(p.slice(1), n.slice(k))) || naive(p.slice(1), []);
      return n.length > 0 && matchesPattern(p[0]!, n[0]!) && naive(p.slice(1), n.slice(1));
    };
    const segs = ["**", "*", "a", "b", "a*"];
    let seed = 7;
    const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
    for (let i = 0; i < 2000; i++) {
      const p = Array.from({ length: 1 + rnd(5) }, () => segs[rnd(segs.length)]!);
      const n = Array.from({ length: 1 + rnd(6) }, () => ["a", "b", "ab"][rnd(3)]!);
      expect(matchesPattern(p.join("/"), n.join("/")), `${p.join("/")} vs ${n.join("/")}`).toBe(naive(p, n));
    }
  });
});
