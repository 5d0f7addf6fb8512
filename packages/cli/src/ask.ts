/**
 * Answers without a terminal: each question is answered, in order, by its
 * flag, its environment variable, the default (with --yes), or a prompt.
 * Without a terminal and without an answer, the run fails and names the
 * flag to pass, so CI never blocks on a prompt.
 */
import { CliError } from "./errors.js";
import type { Choice, Ui } from "./ui.js";

/** Where a question's answer can come from. */
export interface Source {
  /** Prompt id (tests answer by it) and the long flag without dashes. */
  readonly id: string;
  readonly flag: string;
  readonly env: string;
  readonly message: string;
}

/** What `ask*` needs from a command run. */
export interface AskContext {
  readonly ui: Ui;
  /** --yes: accept defaults instead of prompting. */
  readonly yes: boolean;
  /** Flag values given on the command line, by flag name. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function given(ctx: AskContext, s: Source): string | undefined {
  const f = ctx.flags[s.flag];
  if (typeof f === "string") return f;
  if (f === true) return "true";
  const e = ctx.env[s.env];
  return e === undefined || e === "" ? undefined : e;
}

function noAnswer(s: Source, fallback: string | undefined): CliError {
  const tail = fallback === undefined ? "" : `, or --yes to accept "${fallback}"`;
  return new CliError(`${s.message}: no answer (no terminal to ask in)`, `pass --${s.flag} or set ${s.env}${tail}`);
}

function checked(s: Source, value: string, validate?: (v: string) => string | undefined): string {
  const problem = validate?.(value);
  if (problem) throw new CliError(`${s.message}: "${value}" is not valid: ${problem}`, `fix --${s.flag} / ${s.env}`);
  return value;
}

/** A free-text answer. */
export async function askText(
  ctx: AskContext,
  s: Source,
  initial: string,
  validate?: (v: string) => string | undefined,
): Promise<string> {
  const v = given(ctx, s);
  if (v !== undefined) return checked(s, v, validate);
  if (ctx.yes) return checked(s, initial, validate);
  if (!ctx.ui.interactive) throw noAnswer(s, initial);
  return ctx.ui.text({ id: s.id, message: s.message, initial, validate });
}

/** One of `options`; `initial` undefined means there is no default to accept with --yes. */
export async function askSelect<T extends string>(
  ctx: AskContext,
  s: Source,
  options: readonly Choice<T>[],
  initial: T | undefined,
): Promise<T> {
  const v = given(ctx, s);
  const allowed = options.filter((o) => !o.disabled).map((o) => o.value);
  const pick = (x: string): T => {
    const hit = allowed.find((a) => a === x);
    if (hit === undefined) throw new CliError(`${s.message}: "${x}" is not one of ${allowed.join(", ")}`);
    return hit;
  };
  if (v !== undefined) return pick(v);
  if (ctx.yes && initial !== undefined) return initial;
  if (!ctx.ui.interactive) throw noAnswer(s, initial);
  return ctx.ui.select({ id: s.id, message: s.message, options, ...(initial ? { initial } : {}) });
}

/** Several of `options`, given as a comma-separated list by flag or env. */
export async function askMulti<T extends string>(
  ctx: AskContext,
  s: Source,
  options: readonly Choice<T>[],
  initial: readonly T[],
): Promise<T[]> {
  const v = given(ctx, s);
  if (v !== undefined) {
    const allowed = options.filter((o) => !o.disabled).map((o) => o.value);
    return v
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map((x) => {
        const hit = allowed.find((a) => a === x);
        if (hit === undefined) throw new CliError(`${s.message}: "${x}" is not one of ${allowed.join(", ")}`);
        return hit;
      });
  }
  if (ctx.yes) return [...initial];
  if (!ctx.ui.interactive) throw noAnswer(s, initial.join(","));
  return ctx.ui.multiselect({ id: s.id, message: s.message, options, initial });
}

/** A yes/no answer; flag or env values "true"/"false" (or "yes"/"no", "1"/"0"). */
export async function askConfirm(ctx: AskContext, s: Source, initial: boolean): Promise<boolean> {
  const v = given(ctx, s);
  if (v !== undefined) {
    if (/^(true|yes|y|1)$/i.test(v)) return true;
    if (/^(false|no|n|0)$/i.test(v)) return false;
    throw new CliError(`${s.message}: "${v}" is not true or false`, `fix --${s.flag} / ${s.env}`);
  }
  if (ctx.yes) return initial;
  if (!ctx.ui.interactive) throw noAnswer(s, String(initial));
  return ctx.ui.confirm({ id: s.id, message: s.message, initial });
}
