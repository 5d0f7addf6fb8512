import { describe, expect, test } from "vitest";
import { publicUrlOf } from "./public-url.js";

describe("publicUrlOf", () => {
  test("keeps the request URL when no public origin is set", () => {
    expect(publicUrlOf("http://w.dev:8787/v1/stream/a?x=1", null).href).toBe("http://w.dev:8787/v1/stream/a?x=1");
  });

  test("replaces scheme, host and port, keeping path and query", () => {
    const url = publicUrlOf("http://127.0.0.1:8787/v1/stream/p/a?x=1", "https://streams.example.com");
    expect(url.href).toBe("https://streams.example.com/v1/stream/p/a?x=1");
    expect(publicUrlOf("https://w.workers.dev/v1/stream/a", "http://127.0.0.1:9000").href).toBe(
      "http://127.0.0.1:9000/v1/stream/a",
    );
  });
});
