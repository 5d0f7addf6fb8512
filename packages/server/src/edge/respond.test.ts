/** ETag matching and cache headers for reads. */
import { describe, expect, test } from "vitest";
import { cacheableReads, etagMatches, readEtag } from "./respond.js";

const tag = readEtag("inst-1", "0000000000000000_0000000000000000", "0000000000000000_0000000000000042", false);

describe("readEtag", () => {
  test("is a quoted strong validator", () => {
    expect(tag).toMatch(/^"[^"]+"$/);
  });

  test("changes when the stream closes at the same range", () => {
    const closed = readEtag("inst-1", "0000000000000000_0000000000000000", "0000000000000000_0000000000000042", true);
    expect(closed).not.toBe(tag);
  });

  test("changes with the instance and with either end of the range", () => {
    const others = [
      readEtag("inst-2", "0000000000000000_0000000000000000", "0000000000000000_0000000000000042", false),
      readEtag("inst-1", "0000000000000000_0000000000000001", "0000000000000000_0000000000000042", false),
      readEtag("inst-1", "0000000000000000_0000000000000000", "0000000000000000_0000000000000043", false),
    ];
    expect(new Set([tag, ...others]).size).toBe(4);
  });

  test("is stable for the same inputs", () => {
    expect(readEtag("i", "a", "b", true)).toBe(readEtag("i", "a", "b", true));
  });
});

describe("etagMatches", () => {
  test("no header never matches", () => {
    expect(etagMatches(null, tag)).toBe(false);
  });

  test("exact match and mismatch", () => {
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches('"something-else"', tag)).toBe(false);
    expect(etagMatches("", tag)).toBe(false);
  });

  test("the tag must keep its quotes", () => {
    expect(etagMatches(tag.slice(1, -1), tag)).toBe(false);
  });

  test("lists, with or without spaces", () => {
    expect(etagMatches(`"a", ${tag}, "b"`, tag)).toBe(true);
    expect(etagMatches(`"a",${tag}`, tag)).toBe(true);
    expect(etagMatches(`"a", "b"`, tag)).toBe(false);
  });

  test("weak comparison: a W/ prefix still matches", () => {
    expect(etagMatches(`W/${tag}`, tag)).toBe(true);
    expect(etagMatches(`"x", W/${tag}`, tag)).toBe(true);
  });

  test("* matches any representation, but only as the whole value", () => {
    expect(etagMatches("*", tag)).toBe(true);
    expect(etagMatches(" * ", tag)).toBe(true);
    // RFC 9110: If-None-Match = "*" / #entity-tag; a `*` inside a list is not a wildcard.
    expect(etagMatches(`"x", *`, tag)).toBe(false);
  });

  test("surrounding whitespace (spaces, tabs) is not part of a tag", () => {
    expect(etagMatches(`  ${tag}\t`, tag)).toBe(true);
    expect(etagMatches(`\t"a" ,\t${tag} , "b"  `, tag)).toBe(true);
  });

  test("a comma inside a quoted tag belongs to the tag", () => {
    // Split naively, this list would yield a bare `*` and match everything.
    expect(etagMatches(`"a,*,b"`, tag)).toBe(false);
    expect(etagMatches(`W/"x", "a,*,b"`, tag)).toBe(false);
    expect(etagMatches(`"a,b", ${tag}`, tag)).toBe(true);
  });

  test("malformed members match nothing, and do not hide the well-formed ones", () => {
    expect(etagMatches(`${tag}x`, tag)).toBe(false);
    expect(etagMatches(`w/${tag}`, tag)).toBe(false); // the weak prefix is case-sensitive
    expect(etagMatches(`"unterminated, ${tag}`, tag)).toBe(false);
    expect(etagMatches(`bogus, ${tag}`, tag)).toBe(true);
    expect(etagMatches(`"a" "b", ${tag}`, tag)).toBe(true);
  });

  test("a closed read's tag does not match the open one", () => {
    const closed = readEtag("inst-1", "0000000000000000_0000000000000000", "0000000000000000_0000000000000042", true);
    expect(etagMatches(tag, closed)).toBe(false);
  });
});

describe("cacheableReads", () => {
  const directives = (isPublic: boolean) =>
    cacheableReads(isPublic)
      .split(",")
      .map((d) => d.trim());

  test("public reads: shared caches keep them for s-maxage; browsers must revalidate", () => {
    const pub = directives(true);
    expect(pub).toContain("public");
    expect(pub).toContain("max-age=0");
    expect(pub).toContain("s-maxage=60");
  });

  test("private reads: never public, and revalidated before every reuse", () => {
    const priv = directives(false);
    expect(priv).toContain("private");
    expect(priv).toContain("no-cache");
    expect(priv).not.toContain("public");
  });

  test("nothing lets a browser serve a stale copy while it revalidates", () => {
    for (const d of [directives(true), directives(false)]) {
      expect(d.some((x) => x.startsWith("stale-while-revalidate"))).toBe(false);
      expect(d.some((x) => /^max-age=[1-9]/.test(x))).toBe(false);
      expect(d).not.toContain("no-store");
    }
  });
});
