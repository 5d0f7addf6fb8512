/**
 * Step 6: the first project (created, or found on a re-run) and a write
 * token for it, with curl and EventSource lines that work as printed.
 */
import { askText } from "../ask.js";
import { ProjectStore } from "../project-store.js";
import { newProject, projectNameProblem } from "../projects.js";
import type { Target } from "../target.js";
import { mintFor } from "../tokens.js";
import { CliError } from "../errors.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { Q } from "../sources.js";

const TTL_SECONDS = 3600;

function targetOf(ctx: SetupContext): Target {
  const id = ctx.resources?.kv.find((k) => k.binding === "PROJECTS")?.id;
  if (!id) throw new CliError("The server binds no PROJECTS KV namespace; cannot store projects");
  return ctx.local
    ? { kind: "local", namespaceId: id, stateDir: ctx.stateDir, cwd: ctx.dir }
    : { kind: "remote", namespaceId: id, cwd: ctx.dir };
}

/** Shell lines that use a token against a project. */
export function examples(url: string, project: string): string {
  const stream = `${url}/v1/stream/${project}/hello`;
  return [
    `curl -X PUT '${stream}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data 'first line'`,
    `curl -X POST '${stream}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data 'second line'`,
    `curl '${stream}?offset=-1' -H "Authorization: Bearer $TOKEN"`,
    `curl -N '${stream}?offset=-1&live=sse' -H "Authorization: Bearer $TOKEN"`,
    "",
    "# in a browser, EventSource cannot send headers: pass a read token in the query",
    `const es = new EventSource(\`${stream}?offset=-1&live=sse&token=\${token}\`);`,
    `es.addEventListener("data", (e) => console.log(e.data));`,
  ].join("\n");
}

/** The first-project phase. */
export const firstProject: Phase = {
  title: "Create the first project",
  async run(ctx) {
    const name = await askText(ctx, Q.project, "app", projectNameProblem);
    const target = targetOf(ctx);
    const store = new ProjectStore(ctx.wrangler, target);
    let config = await store.get(name);
    const created = config === null;
    if (config === null) {
      config = await newProject(name, ctx.now());
      await store.put(config);
      const where = target.kind === "local" ? `local state ${target.stateDir}` : `KV namespace ${target.namespaceId}`;
      ctx.ui.success(`created project "${name}" in ${where}`);
    } else {
      ctx.ui.info(`found project "${name}" (reused; its keys are unchanged)`);
    }
    const token = await mintFor(config, { scope: "write", ttlSeconds: TTL_SECONDS, sub: "setup" });
    ctx.project = { config, created, token, ttlSeconds: TTL_SECONDS };
    ctx.ui.success(`A write token for "${name}" (1 hour), and how to use it:`);
    ctx.ui.raw(`\nTOKEN=${token}\n\n${examples(ctx.url ?? "https://<your-worker>", name)}\n`);
  },
};
