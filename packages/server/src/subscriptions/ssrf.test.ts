import { describe, expect, test } from "vitest";
import { webhookUrlProblem } from "./ssrf.js";

describe("webhookUrlProblem", () => {
  test.each([
    "http://10.0.0.1/hook",
    "https://10.0.0.1/hook",
    "https://172.16.3.4/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://[::1]/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://127.0.0.1/",
    "https://2130706433/", // 127.0.0.1 in decimal
    "https://0x7f.1/",
    "https://localhost/",
    "https://a.localhost/",
    "https://metadata.google.internal/",
    "https://intranet/",
    "http://example.com/hook",
    "ftp://example.com/",
    "file:///etc/passwd",
    "https://user:pw@example.com/",
    "not a url",
  ])("rejects %s", (url) => {
    expect(webhookUrlProblem(url, false)).not.toBeNull();
  });

  test("accepts public https", () => {
    expect(webhookUrlProblem("https://worker.example.com/hooks", false)).toBeNull();
    expect(webhookUrlProblem("https://8.8.8.8/hooks", false)).toBeNull();
  });

  test("loopback only with the dev exception, and never private ranges", () => {
    expect(webhookUrlProblem("http://127.0.0.1:9000/webhook", true)).toBeNull();
    expect(webhookUrlProblem("http://localhost:9000/webhook", true)).toBeNull();
    expect(webhookUrlProblem("http://[::1]:9000/webhook", true)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.1/hook", true)).not.toBeNull();
    expect(webhookUrlProblem("http://example.com/hook", true)).not.toBeNull();
  });
});
