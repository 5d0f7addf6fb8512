/** Where credentials come from: the header (trimmed) or a GET's query parameter, and which one it was. */
import { describe, expect, test } from "vitest";
import { credentialOf } from "./credentials.js";

// A Request in Node trims header values; a stand-in keeps them as workerd passes them on.
const withAuth = (value: string, url = "http://x/v1/stream/p/s") =>
  ({
    url,
    method: "GET",
    headers: { get: (n: string) => (n === "authorization" ? value : null) },
  }) as unknown as Request;

describe("credentialOf", () => {
  test("a header token, with surrounding whitespace, is a header credential", () => {
    expect(credentialOf(withAuth(" \tBearer abc.def.ghi  "))).toEqual({
      kind: "bearer",
      token: "abc.def.ghi",
      via: "header",
    });
  });

  test("a query token on GET is a query credential; on a write it is malformed", () => {
    expect(credentialOf(new Request("http://x/s?token=t1"))).toEqual({ kind: "bearer", token: "t1", via: "query" });
    expect(credentialOf(new Request("http://x/s?token=t1", { method: "POST" }))).toMatchObject({ kind: "malformed" });
  });
});
