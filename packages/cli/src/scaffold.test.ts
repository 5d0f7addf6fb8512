import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseJsonc } from "./jsonc.js";
import { planResources } from "./resources.js";
import { SECRETS_FILE, checkWorkspaceDir, savedAdminToken, scaffoldFiles, writeScaffold } from "./scaffold.js";
import { defaultServerSpec } from "./server-package.js";
import { fakeServer } from "./testing.js";

const server = fakeServer({
  durable_objects: {
    bindings: [
      { name: "STREAMS", class_name: "StreamDO" },
      { name: "SUBS", class_name: "SubscriptionDO" },
    ],
  },
  migrations: [
    { tag: "v1", new_sqlite_classes: ["StreamDO"] },
    { tag: "v2", new_sqlite_classes: ["SubscriptionDO"] },
  ],
  vars: { DEFAULT_PROJECT_OPEN: "true", MAX_READ_BYTES: "1048576" },
});

function input() {
  const resources = planResources(server.config, "acme-ds");
  resources.kv[0]!.id = "e".repeat(32);
  return {
    worker: "acme-ds",
    server,
    serverSpec: "^9.9.9",
    wranglerSpec: "4.86.0",
    resources,
    components: ["server" as const],
    local: false,
  };
}

describe("scaffold", () => {
  test("wrangler.jsonc keeps every binding and migration, swaps in this deployment's ids, closes the default project", () => {
    const files = scaffoldFiles(input(), { adminToken: "t".repeat(43) });
    const config = parseJsonc(files["wrangler.jsonc"]!.content) as Record<string, unknown>;
    expect(config).toMatchObject({
      name: "acme-ds",
      main: "src/index.ts",
      migrations: server.config.migrations,
      durable_objects: server.config.durable_objects,
      kv_namespaces: [{ binding: "PROJECTS", id: "e".repeat(32) }],
      vars: { DEFAULT_PROJECT_OPEN: "false", MAX_READ_BYTES: "1048576" },
    });
    expect(files["src/index.ts"]!.content).toContain(
      'export { default, StreamDO, SubscriptionDO, AdminApi } from "@durable-streams-edge/server";',
    );
    expect(JSON.parse(files["package.json"]!.content)).toMatchObject({
      dependencies: { "@durable-streams-edge/server": "^9.9.9" },
      scripts: { deploy: "wrangler deploy --secrets-file .secrets.env" },
    });
    const ignored = files[".gitignore"]!.content.split("\n");
    for (const f of [SECRETS_FILE, ".dev.vars", "node_modules/", ".wrangler/"]) expect(ignored).toContain(f);
  });

  test("the secrets file is private and survives a re-run; foreign directories are refused", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ds-edge-scaffold-")), "ws");
    expect(checkWorkspaceDir(dir)).toBe("new");
    writeScaffold(dir, scaffoldFiles(input(), { adminToken: "first-".repeat(8) }), ["server"]);
    writeFileSync(join(dir, "durable-streams-edge.json"), "{}");
    expect(statSync(join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600);
    writeScaffold(dir, scaffoldFiles(input(), { adminToken: "second-".repeat(8) }), ["server"]);
    expect(savedAdminToken(dir)).toBe("first-".repeat(8));
    expect(readFileSync(join(dir, SECRETS_FILE), "utf8")).not.toContain("second-");
    expect(checkWorkspaceDir(dir)).toBe("existing");

    const foreign = mkdtempSync(join(tmpdir(), "ds-edge-foreign-"));
    mkdirSync(join(foreign, "src"));
    expect(() => checkWorkspaceDir(foreign)).toThrow(/not created by setup/);
  });
});

describe("the server dependency", () => {
  test("registry version when installed from npm; a link to a source checkout otherwise", () => {
    const installed = { ...server, dir: "/x/node_modules/@durable-streams-edge/server" };
    expect(defaultServerSpec(installed, "npm")).toBe("^9.9.9");
    const checkout = { ...server, dir: "/src/repo/packages/server" };
    expect(defaultServerSpec(checkout, "pnpm")).toBe("link:/src/repo/packages/server");
    expect(defaultServerSpec(checkout, "npm")).toBe("file:/src/repo/packages/server");
  });
});
