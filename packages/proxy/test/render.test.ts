/**
 * render.sh: defaults, validation, and that it leaves nginx's own $variables
 * alone; plus `nginx -t` on the production-shaped rendering and a check that
 * the Dockerfile installs the same template and script the tests use.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { PROXY_DIR, nginxTest, render, runRender } from "./support/nginx.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ds-proxy-render-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PRODUCTION = { ORIGIN_HOST: "durable-streams.example.workers.dev" };

describe("render.sh", () => {
  test("production defaults: https origin, public resolver without IPv6, port 8080", () => {
    const conf = readFileSync(render(PRODUCTION, dir), "utf8");
    expect(conf).toContain('set $ds_origin "durable-streams.example.workers.dev";');
    expect(conf).toContain("proxy_pass https://$ds_origin;");
    expect(conf).toContain("resolver 1.1.1.1 1.0.0.1 valid=30s ipv6=off;");
    expect(conf).toContain("listen 0.0.0.0:8080;");
    expect(conf).toContain("server_name _;");
    expect(conf).toContain("access_log /var/log/nginx/access.log ds_proxy;");
    expect(conf).toContain("proxy_temp_path /var/cache/nginx/proxy_temp;");
    expect(conf).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  test("nginx -t accepts the production-shaped rendering", () => {
    // The log and temp defaults are system paths; only those are redirected here.
    nginxTest(render({ ...PRODUCTION, ACCESS_LOG: join(dir, "access.log"), TEMP_DIR: dir }, dir));
  });

  test("nginx's own variables survive whatever the environment holds", () => {
    const clean = readFileSync(render(PRODUCTION, dir), "utf8");
    const noisy = { ...PRODUCTION, host: "evil", uri: "evil", proxy_host: "evil", scheme: "evil" };
    expect(readFileSync(render(noisy, dir), "utf8")).toBe(clean);
    for (const v of ["$host", "$uri", "$proxy_host", "$scheme", "$ds_origin", "$http_host"]) {
      expect(clean).toContain(v);
    }
  });

  test("every placeholder in the template is one render.sh substitutes", () => {
    const template = readFileSync(join(PROXY_DIR, "nginx.conf.template"), "utf8");
    const script = readFileSync(join(PROXY_DIR, "render.sh"), "utf8");
    const placeholders = new Set(template.match(/\$\{[A-Z_]+\}/g));
    expect(placeholders.size).toBeGreaterThan(5);
    for (const p of placeholders) expect(script, p).toContain(p);
  });

  test("a missing ORIGIN_HOST fails with a message that says what to set", () => {
    const res = runRender({}, join(dir, "nginx.conf"));
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("set ORIGIN_HOST");
  });

  test.each([
    ["ORIGIN_HOST", "x.workers.dev; include /etc/passwd"],
    ["ORIGIN_HOST", "x.workers.dev/path"],
    ["ORIGIN_HOST", "$host"],
    ["ORIGIN_SCHEME", "ftp"],
    ["LISTEN_PORT", "80; listen 81"],
    ["RESOLVER", "1.1.1.1; ipv6=on"],
    ["RESOLVER_IPV6", "yes"],
    ["SERVER_NAME", "a.example.com { }"],
  ])("rejects %s=%j instead of writing it into the config", (name, value) => {
    const res = runRender({ ...PRODUCTION, [name]: value }, join(dir, "nginx.conf"));
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(`${name}=`);
  });
});

describe("Dockerfile", () => {
  test("installs this template and render.sh where render.sh's defaults look", () => {
    const dockerfile = readFileSync(join(PROXY_DIR, "Dockerfile"), "utf8");
    const script = readFileSync(join(PROXY_DIR, "render.sh"), "utf8");
    expect(dockerfile).toMatch(/^FROM nginx:[\d.]+$/m);
    expect(dockerfile).toContain(
      "COPY nginx.conf.template /etc/nginx/ds-proxy/nginx.conf.template",
    );
    expect(script).toContain('template="${1:-/etc/nginx/ds-proxy/nginx.conf.template}"');
    expect(script).toContain('output="${2:-/etc/nginx/nginx.conf}"');
    expect(dockerfile).toMatch(
      /COPY --chmod=755 render\.sh \/docker-entrypoint\.d\/\d+-[\w-]+\.sh/,
    );
  });
});
