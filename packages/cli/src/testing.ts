/**
 * Test doubles: a wrangler recorder that answers scripted commands and
 * remembers the exact command lines, and a scripted UI that answers prompts
 * by id and keeps everything shown. Used by the unit tests only.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandContext } from "./command-context.js";
import { CliError } from "./errors.js";
import type { ExecResult } from "./exec.js";
import type { Installer, PackageManager } from "./install.js";
import type { ServerPackage, WranglerConfig } from "./server-package.js";
import type { Choice, Ui } from "./ui.js";
import type { Wrangler, WranglerCall } from "./wrangler.js";

/** A scripted answer: the first reply whose `cmd` prefixes the command line answers it. */
export interface Reply {
  readonly cmd: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly code?: number;
  /** Answer only this many times (default: always). */
  times?: number;
}

/** One recorded call. */
export interface Recorded {
  readonly cmd: string;
  readonly cwd?: string;
  readonly account?: string;
}

/** A `Wrangler` that records calls and answers from a script. */
export class WranglerRecorder implements Wrangler {
  readonly calls: Recorded[];
  /**
   * `kv key put/get/list` act on this map (shared across runs when passed in),
   * so a test can read what was stored and a re-run can find it.
   */
  readonly kv: Map<string, string>;
  constructor(
    readonly replies: Reply[],
    opts: { kv?: Map<string, string>; account?: string; calls?: Recorded[] } = {},
  ) {
    this.calls = opts.calls ?? [];
    this.kv = opts.kv ?? new Map();
    this.account = opts.account;
  }
  private readonly account: string | undefined;

  withAccount(id: string): Wrangler {
    return new WranglerRecorder(this.replies, { kv: this.kv, account: id, calls: this.calls });
  }

  private kvReply(args: readonly string[]): ExecResult | undefined {
    if (args[0] !== "kv" || args[1] !== "key") return undefined;
    const key = args[3]!;
    if (args[2] === "put") {
      this.kv.set(key, readFileSync(args[args.indexOf("--path") + 1]!, "utf8"));
      return { code: 0, stdout: "", stderr: "" };
    }
    if (args[2] === "get") return { code: 0, stdout: `${this.kv.get(key) ?? "Value not found"}\n`, stderr: "" };
    if (args[2] === "list") {
      const prefix = args[args.indexOf("--prefix") + 1]!;
      const names = [...this.kv.keys()].filter((k) => k.startsWith(prefix)).map((name) => ({ name }));
      return { code: 0, stdout: JSON.stringify(names), stderr: "" };
    }
    return undefined;
  }

  /** Command lines so far, with temporary paths replaced by <tmp>. */
  get commands(): string[] {
    return this.calls.map((c) => c.cmd);
  }

  async run(call: WranglerCall): Promise<ExecResult> {
    const cmd = call.args.join(" ").replace(/\S*ds-edge-cli-[^/\s]+\/project\.json/g, "<tmp>");
    this.calls.push({
      cmd,
      ...(call.cwd ? { cwd: call.cwd } : {}),
      ...(this.account ? { account: this.account } : {}),
    });
    const kv = this.kvReply(call.args);
    if (kv) return kv;
    const reply = this.replies.find((r) => cmd.startsWith(r.cmd) && (r.times === undefined || r.times > 0));
    if (!reply) throw new Error(`unexpected wrangler call: ${cmd}`);
    if (reply.times !== undefined) reply.times -= 1;
    const out = { code: reply.code ?? 0, stdout: reply.stdout ?? "", stderr: reply.stderr ?? "" };
    if (out.code !== 0 && !call.allowFailure) throw new CliError(`wrangler ${cmd} failed`, call.hint);
    return out;
  }
}

/** A `Ui` that answers prompts by id and records what it showed. */
export class ScriptedUi implements Ui {
  readonly lines: string[] = [];
  readonly results: string[] = [];
  readonly asked: string[] = [];
  constructor(
    private readonly answers: Record<string, unknown> = {},
    readonly interactive = false,
  ) {}

  private answer(id: string): unknown {
    this.asked.push(id);
    if (!(id in this.answers)) throw new Error(`unexpected prompt: ${id}`);
    const a = this.answers[id];
    if (a instanceof Error) throw a;
    return a;
  }

  get output(): string {
    return [...this.lines, ...this.results].join("\n");
  }

  intro = (t: string) => void this.lines.push(`intro ${t}`);
  outro = (t: string) => void this.lines.push(`outro ${t}`);
  step = (n: number, total: number, t: string) => void this.lines.push(`Step ${n} of ${total}: ${t}`);
  info = (m: string) => void this.lines.push(`info ${m}`);
  success = (m: string) => void this.lines.push(`success ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  note = (body: string, title: string) => void this.lines.push(`note ${title}\n${body}`);
  raw = (text: string) => void this.lines.push(text);
  result = (line: string) => void this.results.push(line);
  spin = <T>(_label: string, work: () => Promise<T>) => work();
  text = async (q: { id: string }) => this.answer(q.id) as string;
  select = async <T extends string>(q: { id: string; options: readonly Choice<T>[] }) => this.answer(q.id) as T;
  multiselect = async <T extends string>(q: { id: string }) => this.answer(q.id) as T[];
  confirm = async (q: { id: string }) => this.answer(q.id) as boolean;
}

/** A server package with the given bindings (defaults: the real server's shape). */
export function fakeServer(config: Partial<WranglerConfig> = {}): ServerPackage {
  return {
    dir: mkdtempSync(join(tmpdir(), "ds-edge-server-")),
    version: "9.9.9",
    config: {
      name: "durable-streams-edge",
      main: "src/index.ts",
      compatibility_date: "2026-04-20",
      durable_objects: { bindings: [{ name: "STREAMS", class_name: "StreamDO" }] },
      migrations: [{ tag: "v1", new_sqlite_classes: ["StreamDO"] }],
      vars: { DEFAULT_PROJECT_OPEN: "false" },
      kv_namespaces: [{ binding: "PROJECTS", id: "00000000000000000000000000000000" }],
      ...config,
    },
  };
}

/** An installer that records the directories it was asked to install. */
export function recordingInstaller(): Installer & { calls: { dir: string; pm: PackageManager }[] } {
  const calls: { dir: string; pm: PackageManager }[] = [];
  const f = async (dir: string, pm: PackageManager) => void calls.push({ dir, pm });
  return Object.assign(f, { calls });
}

/** A command context over test doubles. */
export function commandContext(
  over: Partial<CommandContext> & Pick<CommandContext, "wrangler" | "ui">,
): CommandContext {
  return {
    yes: false,
    flags: {},
    env: {},
    args: [],
    server: fakeServer(),
    install: recordingInstaller(),
    now: () => new Date("2026-11-24T12:00:00.000Z"),
    ...over,
  };
}
