/** Stream path parsing: `/v1/stream/:project/:name*` and the Stream-Forked-From header. */
import { describe, expect, test } from "vitest";
import { parseForkSource, parseStreamPath } from "./paths.js";

const invalidPath = { ok: false, status: 400, code: "invalid_path" };
const invalidHeader = { ok: false, status: 400, code: "invalid_header" };
const p = (rest: string) => parseStreamPath(`/v1/stream/${rest}`);

describe("parseStreamPath: accepted paths", () => {
  test("a single segment names a stream of the default project", () => {
    expect(p("foo")).toEqual({ project: "default", name: "foo", key: "default/foo" });
  });

  test("the explicit default project is the same stream", () => {
    expect(p("default/foo")).toEqual(p("foo"));
  });

  test("project then name; the name may contain slashes", () => {
    expect(p("acme/orders")).toEqual({ project: "acme", name: "orders", key: "acme/orders" });
    expect(p("acme/a/b/c")).toEqual({ project: "acme", name: "a/b/c", key: "acme/a/b/c" });
  });

  test("single-segment names are not held to project-name rules", () => {
    expect(p("My.Stream")).toMatchObject({ project: "default", name: "My.Stream" });
  });

  test("segments are percent-decoded", () => {
    expect(p("acme/hello%20world")).toMatchObject({ name: "hello world" });
    expect(p("caf%C3%A9")).toMatchObject({ name: "café" });
    expect(p("acme/a%2Cb/%3F%23")).toMatchObject({ name: "a,b/?#" });
  });

  test("project names: a-z, 0-9, '-', '_', up to 63 characters", () => {
    expect(p("a/x")).toMatchObject({ project: "a" });
    expect(p("0-team_b/x")).toMatchObject({ project: "0-team_b" });
    expect(p(`${"p".repeat(63)}/x`)).toMatchObject({ project: "p".repeat(63) });
  });

  test("a segment of 255 characters (after decoding) is fine", () => {
    expect(p("x".repeat(255))).toMatchObject({ name: "x".repeat(255) });
    expect(p("%C3%A9".repeat(255))).toMatchObject({ name: "é".repeat(255) });
  });

  test("a name of exactly 1024 characters is fine", () => {
    const name = `${["a", "b", "c"].map((c) => c.repeat(255)).join("/")}/${"d".repeat(254)}/e`;
    expect(name).toHaveLength(1024);
    expect(p(`acme/${name}`)).toMatchObject({ name });
  });
});

describe("parseStreamPath: rejected paths", () => {
  test("paths outside the prefix are 404", () => {
    for (const path of ["/v1/streams/x", "/v2/stream/x", "/v1/stream", "/"]) {
      expect(parseStreamPath(path), path).toMatchObject({ ok: false, status: 404 });
    }
  });

  test.each([
    ["empty name", ""],
    ["trailing slash", "foo/"],
    ["double slash", "acme//x"],
    ["leading slash", "/acme/x"],
    ["dot", "."],
    ["dot-dot", "acme/.."],
    ["dot-dot in the middle", "acme/a/../b"],
    ["encoded dot-dot", "acme/%2e%2E"],
    ["encoded dot", "%2E"],
    ["reserved __ds alone", "__ds"],
    ["reserved __ds as a name segment", "acme/x/__ds/y"],
    ["reserved __ds as project", "__ds/subscriptions"],
    ["NUL", "a%00b"],
    ["newline", "acme/a%0Ab"],
    ["DEL", "a%7F"],
    ["unit separator", "a%1Fb"],
    ["encoded slash", "a%2Fb"],
    ["encoded slash lower-case", "acme/a%2fb"],
    ["encoded backslash", "a%5Cb"],
    ["malformed percent", "a%zz"],
    ["truncated percent", "a%E2%82"],
    ["segment over 255", "x".repeat(256)],
  ])("%s", (_name, rest) => {
    expect(p(rest)).toMatchObject(invalidPath);
  });

  test.each([
    ["upper case", "Acme/x"],
    ["leading dash", "-acme/x"],
    ["leading underscore", "_acme/x"],
    ["dot", "ac.me/x"],
    ["space", "ac%20me/x"],
    ["non-ASCII", "%C3%A9/x"],
    ["64 characters", `${"p".repeat(64)}/x`],
  ])("bad project name: %s", (_name, rest) => {
    expect(p(rest)).toMatchObject(invalidPath);
  });

  test("names over 1024 characters", () => {
    const name = ["a", "b", "c", "d", "e"].map((c) => c.repeat(250)).join("/");
    expect(p(`acme/${name}`)).toMatchObject(invalidPath);
    expect(p(`acme/${"x".repeat(255)}/${"y".repeat(255)}/${"z".repeat(255)}/${"w".repeat(255)}/v`)).toMatchObject(
      invalidPath,
    );
  });
});

describe("parseForkSource", () => {
  const here = "https://streams.example.com/v1/stream/acme/fork";

  test("an absolute path", () => {
    expect(parseForkSource("/v1/stream/acme/source", here)).toEqual({
      project: "acme",
      name: "source",
      key: "acme/source",
    });
    expect(parseForkSource("/v1/stream/source", here)).toMatchObject({ key: "default/source" });
  });

  test("surrounding whitespace is ignored", () => {
    expect(parseForkSource("  /v1/stream/acme/source ", here)).toMatchObject({ key: "acme/source" });
  });

  test("a full URL on the same origin", () => {
    expect(parseForkSource("https://streams.example.com/v1/stream/acme/a/b", here)).toMatchObject({
      key: "acme/a/b",
    });
    expect(parseForkSource("https://streams.example.com/v1/stream/acme/src?offset=-1", here)).toMatchObject({
      key: "acme/src",
    });
  });

  test("percent-encoding is decoded like a request path", () => {
    expect(parseForkSource("/v1/stream/acme/hello%20world", here)).toMatchObject({ name: "hello world" });
    expect(parseForkSource("/v1/stream/acme/hello world", here)).toMatchObject({ name: "hello world" });
  });

  test.each([
    ["another host", "https://evil.example.com/v1/stream/acme/source"],
    ["another scheme", "http://streams.example.com/v1/stream/acme/source"],
    ["another port", "https://streams.example.com:8443/v1/stream/acme/source"],
    ["protocol-relative other host", "//evil.example.com/v1/stream/acme/source"],
  ])("rejects %s", (_name, value) => {
    expect(parseForkSource(value, here)).toMatchObject(invalidHeader);
  });

  test.each([
    ["not a stream path", "/elsewhere/source"],
    ["encoded slash", "/v1/stream/acme/a%2Fb"],
    ["reserved segment", "/v1/stream/__ds"],
    ["bad project", "/v1/stream/ACME/x"],
    ["unparseable URL", "https://[bad/v1/stream/x"],
  ])("rejects %s with 400", (_name, value) => {
    expect(parseForkSource(value, here)).toMatchObject(invalidHeader);
  });
});
