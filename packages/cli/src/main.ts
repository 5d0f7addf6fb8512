/**
 * The `durable-streams-edge` executable: parses the command line, wires the
 * terminal UI, wrangler and the server package, runs the command and turns
 * the outcome into an exit code (0 done or cancelled, 1 failed, 2 usage).
 */
import * as clack from "@clack/prompts";
import { USAGE, UsageError, commandOf, parseCli } from "./cli.js";
import { Cancelled, CliError } from "./errors.js";
import { installer } from "./install.js";
import { serverPackage } from "./server-package.js";
import { ENV } from "./sources.js";
import { clackUi } from "./ui.js";
import { createWrangler, resolveWranglerBin } from "./wrangler.js";

const CANCELLED = "Cancelled: nothing more was changed.";

function fail(e: unknown): number {
  if (e instanceof CliError) {
    process.stderr.write(`\n✖ ${e.message}\n${e.hint ? `  → ${e.hint}\n` : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
  process.stderr.write(`\n✖ Unexpected error (please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const { words, flags } = parseCli(argv);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`${serverPackage().version}\n`);
    return 0;
  }
  const cmd = commandOf(words);
  const ui = clackUi(cmd.quiet ? process.stderr : process.stdout);
  const env = process.env as Record<string, string | undefined>;
  const bin = resolveWranglerBin(typeof flags.wrangler === "string" ? flags.wrangler : env[ENV.wrangler]);
  const yes = flags.yes === true || /^(1|true|yes)$/i.test(env[ENV.yes] ?? "");
  await cmd.run({
    ui,
    yes,
    flags,
    env,
    args: cmd.args,
    wrangler: createWrangler(ui, bin),
    server: serverPackage(),
    install: installer(ui),
    now: () => new Date(),
  });
  return 0;
}

process.on("SIGINT", () => {
  process.stderr.write(`\n${CANCELLED}\n`);
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof Cancelled) {
      clack.cancel(CANCELLED);
      process.exit(0);
    }
    process.exit(fail(e));
  },
);
