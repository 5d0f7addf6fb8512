import { describe, expect, test } from "vitest";
import { globPrefix, nameMatches, scanPrefix } from "./glob.js";

describe("listing filters", () => {
  test("a glob's literal head narrows the scan", () => {
    expect(globPrefix("chat/*/log")).toBe("chat/");
    expect(globPrefix("plain")).toBe("plain");
    expect(globPrefix("**")).toBe("");
    expect(scanPrefix("", "chat/**")).toBe("chat/");
    expect(scanPrefix("chat/ro", "chat/**")).toBe("chat/ro");
    expect(scanPrefix("ch", null)).toBe("ch");
    expect(scanPrefix("news/", "chat/**")).toBeNull();
  });

  test("names match the prefix and the glob (segments, ** across them)", () => {
    expect(nameMatches("chat/room1", "", "chat/*")).toBe(true);
    expect(nameMatches("chat/room1/log", "", "chat/*")).toBe(false);
    expect(nameMatches("chat/room1/log", "", "chat/**")).toBe(true);
    expect(nameMatches("chat/room1/log", "chat/room2", "chat/**")).toBe(false);
    expect(nameMatches("a-1-b", "a", "a-*-b")).toBe(true);
    expect(nameMatches("x", "", null)).toBe(true);
  });
});
