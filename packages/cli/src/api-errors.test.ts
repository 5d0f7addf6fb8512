import { describe, expect, test } from "vitest";
import { apiProblem } from "./api-errors.js";

describe("apiProblem", () => {
  test("a Worker startup failure is not reported as an account limit", () => {
    const out =
      "✘ [ERROR] A request to the Cloudflare API failed.\n  Script startup exceeded CPU time limit. [code: 10021]";
    expect(apiProblem(out)?.kind).toBe("startup");
  });

  test("quota, auth and unknown errors", () => {
    expect(apiProblem("You have exceeded the limit of 100 KV namespaces [code: 10037]")?.kind).toBe("quota");
    expect(apiProblem("Authentication error [code: 10000]")?.kind).toBe("auth");
    expect(apiProblem("something else [code: 7003]")).toBeUndefined();
  });
});
