/** The estuary routes' input checks that run before any binding is touched. */
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import type { Env } from "../env.js";
import { PROJECT_NAME_RE } from "../projects/config.js";
import { HttpError, failure } from "../protocol/errors.js";
import { estuaryRoutes } from "./estuary-routes.js";
import { errorResponse } from "./respond.js";

// The routes as app.ts mounts them, with its error mapping.
const app = new Hono<{ Bindings: Env }>().route("/v1/estuary", estuaryRoutes());
app.onError((err) => errorResponse(err instanceof HttpError ? err.failure : failure(500, "internal", String(err))));
const status = async (path: string) => (await app.request(path, {}, {} as Env)).status;

describe("estuary session paths use the one project-name pattern", () => {
  test("a name the project config refuses is a 400 before any lookup", async () => {
    for (const bad of ["Upper", "-lead", "a".repeat(64), "sp ace", "dot.name"]) {
      expect(PROJECT_NAME_RE.test(bad), bad).toBe(false);
      const res = await app.request(`/v1/estuary/${encodeURIComponent(bad)}/sess`, {}, {} as Env);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_path");
    }
  });

  test("a name the project config accepts passes the path check (and fails later, on the missing bindings)", async () => {
    for (const good of ["a", "a".repeat(63), "proj_1-x"]) {
      expect(PROJECT_NAME_RE.test(good), good).toBe(true);
      expect(await status(`/v1/estuary/${good}/sess`), good).not.toBe(400);
    }
  });
});
