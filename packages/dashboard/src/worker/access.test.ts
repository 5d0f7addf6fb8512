import { describe, expect, it } from "vitest";
import { checkAccess, refusal, teamOrigin } from "./access.js";
import type { DashboardEnv } from "./env.js";

const env = (v: Partial<DashboardEnv>) => v as DashboardEnv;
const req = (url: string) => new Request(url);

describe("checkAccess without Access configured", () => {
  it("refuses a deployed hostname with a page saying what to set", async () => {
    const d = await checkAccess(req("https://dash.example.com/"), env({ DASHBOARD_OPEN: "false" }));
    expect(d).toMatchObject({ ok: false, status: 503, code: "access_not_configured" });
    const page = await refusal(d as Extract<typeof d, { ok: false }>, false).text();
    expect(page).toContain("ACCESS_TEAM_DOMAIN");
    expect(page).toContain("DASHBOARD_OPEN");
  });

  it("is open on loopback hosts only (local dev)", async () => {
    for (const h of ["http://127.0.0.1:8788/", "http://localhost:8788/", "http://[::1]:8788/"]) {
      expect((await checkAccess(req(h), env({}))).ok).toBe(true);
    }
    expect((await checkAccess(req("http://127.0.0.1.example.com/"), env({}))).ok).toBe(false);
  });

  it("is open anywhere only with DASHBOARD_OPEN=true", async () => {
    expect((await checkAccess(req("https://dash.example.com/"), env({ DASHBOARD_OPEN: "true" }))).ok).toBe(true);
  });

  it("with only one of the two Access vars set, it is still not configured", async () => {
    const d = await checkAccess(
      req("https://dash.example.com/"),
      env({ ACCESS_TEAM_DOMAIN: "t.cloudflareaccess.com" }),
    );
    expect(d).toMatchObject({ ok: false, status: 503 });
  });
});

describe("checkAccess with Access configured", () => {
  it("needs the JWT even on loopback", async () => {
    const d = await checkAccess(
      req("http://127.0.0.1:8788/"),
      env({ ACCESS_TEAM_DOMAIN: "t.cloudflareaccess.com", ACCESS_AUD: "aud" }),
    );
    expect(d).toMatchObject({ ok: false, status: 401 });
  });
});

describe("teamOrigin", () => {
  it("prefixes https:// to a bare team domain and keeps an explicit origin", () => {
    expect(teamOrigin("myteam.cloudflareaccess.com")).toBe("https://myteam.cloudflareaccess.com");
    expect(teamOrigin("https://myteam.cloudflareaccess.com/")).toBe("https://myteam.cloudflareaccess.com");
    expect(teamOrigin("http://127.0.0.1:9000")).toBe("http://127.0.0.1:9000");
  });
});
