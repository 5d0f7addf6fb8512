import { cacheAdvice } from "./phases/summary.js";
import { describe, expect, test } from "vitest";
import { parseProjectConfig } from "@durable-streams-edge/server/node";
import { askConfirm, askMulti, askText } from "./ask.js";
import { OPTIONS, USAGE } from "./cli.js";
import { parseDuration } from "./duration.js";
import { CliError } from "./errors.js";
import { detectPackageManager, installCommand } from "./install.js";
import { parseJsonc } from "./jsonc.js";
import { newProject, retireKeys, rotateKey, signingKey } from "./projects.js";
import { planResources } from "./resources.js";
import { Q } from "./sources.js";
import { ScriptedUi, fakeServer } from "./testing.js";
import { commandLine } from "./wrangler.js";

const now = new Date("2026-11-24T12:00:00Z");

describe("small parsers", () => {
  test("JSONC: comments and trailing commas, but not inside strings", () => {
    const text = `// head\n{ "a": "x // not a comment", /* c */ "b": [1, 2,], "u": "http://h/*x*/", }\n`;
    expect(parseJsonc(text)).toEqual({ a: "x // not a comment", b: [1, 2], u: "http://h/*x*/" });
    expect(() => parseJsonc("{ a: 1 }")).toThrow(SyntaxError);
  });

  test("durations", () => {
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("1h")).toBe(3600);
    expect(parseDuration("7d")).toBe(604_800);
    expect(parseDuration("120")).toBe(120);
    for (const bad of ["0", "1y", "-5m", "31d", ""]) expect(() => parseDuration(bad)).toThrow(CliError);
  });

  test("displayed command lines quote what needs quoting", () => {
    expect(commandLine(["kv", "key", "put", "project:a", "--path", "/tmp/x y"])).toBe(
      "wrangler kv key put project:a --path '/tmp/x y'",
    );
  });

  test("resources are named after the Worker", () => {
    const plan = planResources(
      fakeServer({
        r2_buckets: [{ binding: "COLD_SEGMENTS", bucket_name: "x" }],
        queues: { producers: [{ binding: "Q", queue: "fanout" }] },
      }).config,
      "my-ds",
    );
    expect(plan.kv.map((k) => k.title)).toEqual(["my-ds-projects"]);
    expect(plan.r2.map((b) => b.bucket)).toEqual(["my-ds-cold-segments"]);
    expect(plan.queues).toEqual([{ source: "fanout", name: "my-ds-fanout" }]);
  });
});

describe("workspace install", () => {
  test("may update the lockfile even where CI=true freezes it by default", () => {
    expect(installCommand("pnpm")).toEqual({ args: ["install", "--no-frozen-lockfile"], env: {} });
    expect(installCommand("yarn")).toEqual({ args: ["install"], env: { YARN_ENABLE_IMMUTABLE_INSTALLS: "false" } });
    expect(installCommand("npm")).toEqual({ args: ["install"], env: {} });
    expect(detectPackageManager("pnpm/10.4.0 npm/? node/v20.20.0 linux x64")).toBe("pnpm");
    expect(detectPackageManager(undefined)).toBe("npm");
  });
});

describe("project configs", () => {
  test("a new project is what the server's own validation accepts", async () => {
    const p = await newProject("acme", now);
    expect(parseProjectConfig(JSON.parse(JSON.stringify(p)))).toEqual(p);
    expect(p.keys[0]).toMatchObject({ alg: "HS256", createdAt: now.toISOString() });
    expect(Buffer.from((p.keys[0] as { secret: string }).secret, "base64url")).toHaveLength(32);
  });

  test("rotation appends; the newest HS256 key signs; retiring keeps at least one", async () => {
    const p = await newProject("acme", now);
    const { config, key } = await rotateKey(p, now);
    expect(config.keys.map((k) => k.kid)).toEqual([p.keys[0]!.kid, key.kid]);
    expect(signingKey(config).kid).toBe(key.kid);
    expect(signingKey(config, p.keys[0]!.kid).kid).toBe(p.keys[0]!.kid);
    expect(retireKeys(config, undefined, now).retired).toEqual([p.keys[0]!.kid]);
    expect(retireKeys(config, key.kid, now).config.keys.map((k) => k.kid)).toEqual([p.keys[0]!.kid]);
    expect(() => retireKeys(p, p.keys[0]!.kid, now)).toThrow(/only key/);
    expect(() => retireKeys(p, "nope", now)).toThrow(/no key "nope"/);
  });
});

describe("answers from flags, environment, defaults or prompts", () => {
  const ctx = (o: {
    flags?: Record<string, string | boolean>;
    env?: Record<string, string>;
    yes?: boolean;
    ui?: ScriptedUi;
  }) => ({
    ui: o.ui ?? new ScriptedUi(),
    yes: o.yes ?? false,
    flags: o.flags ?? {},
    env: o.env ?? {},
  });

  test("flag beats environment beats --yes default; prompts only on a terminal", async () => {
    expect(await askText(ctx({ flags: { name: "f" }, env: { DS_EDGE_NAME: "e" } }), Q.worker, "d")).toBe("f");
    expect(await askText(ctx({ env: { DS_EDGE_NAME: "e" } }), Q.worker, "d")).toBe("e");
    expect(await askText(ctx({ yes: true }), Q.worker, "d")).toBe("d");
    const ui = new ScriptedUi({ worker: "p" }, true);
    expect(await askText(ctx({ ui }), Q.worker, "d")).toBe("p");
    await expect(askText(ctx({}), Q.worker, "d")).rejects.toThrow(/no terminal/);
  });

  test("every question's flag is accepted on the command line and listed in the usage", () => {
    for (const source of Object.values(Q)) {
      expect(OPTIONS).toHaveProperty([source.flag]);
      expect(USAGE).toContain(`--${source.flag}`);
    }
  });

  test("given answers are validated like typed ones", async () => {
    const v = (s: string) => (s === "ok" ? undefined : "must be ok");
    await expect(askText(ctx({ flags: { name: "bad" } }), Q.worker, "ok", v)).rejects.toThrow(/must be ok/);
    await expect(
      askMulti(ctx({ flags: { components: "server,nope" } }), Q.components, [{ value: "server", label: "S" }], []),
    ).rejects.toThrow(/"nope" is not one of server/);
    expect(await askConfirm(ctx({ env: { DS_EDGE_DEPLOY: "no" } }), Q.deploy, true)).toBe(false);
    await expect(askConfirm(ctx({ flags: { deploy: "maybe" } }), Q.deploy, true)).rejects.toThrow(/true or false/);
  });
});

describe("cacheAdvice", () => {
  test("recommends a custom domain on workers.dev (or an unknown URL), not on a custom domain", () => {
    expect(cacheAdvice("https://streams.me.workers.dev", "ws").join("\n")).toContain('"custom_domain": true');
    expect(cacheAdvice(undefined, "ws").join("\n")).toContain("Cache API does nothing");
    expect(cacheAdvice("https://streams.example.com", "ws")).toEqual([]);
    expect(cacheAdvice("https://workers.dev.example.com/x", "ws")).toEqual([]);
  });
});
