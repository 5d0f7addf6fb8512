/**
 * What the CLI shows and asks. Commands talk to the `Ui` interface; the clack
 * implementation draws it, and tests pass a scripted one. Every prompt
 * result is checked with `isCancel`, and a cancel becomes `Cancelled`.
 */
import * as clack from "@clack/prompts";
import type { Writable } from "node:stream";
import { Cancelled } from "./errors.js";

/** A choice in a select or multiselect prompt. */
export interface Choice<T extends string> {
  readonly value: T;
  readonly label: string;
  readonly hint?: string;
  readonly disabled?: boolean;
}

/** The prompts: `id` names the question so scripted answers can find it. */
export interface Prompts {
  text(q: {
    id: string;
    message: string;
    initial: string;
    validate?: (v: string) => string | undefined;
  }): Promise<string>;
  select<T extends string>(q: { id: string; message: string; options: readonly Choice<T>[]; initial?: T }): Promise<T>;
  multiselect<T extends string>(q: {
    id: string;
    message: string;
    options: readonly Choice<T>[];
    initial: readonly T[];
  }): Promise<T[]>;
  confirm(q: { id: string; message: string; initial: boolean }): Promise<boolean>;
}

/** Output and prompts of one command run. */
export interface Ui extends Prompts {
  /** True when prompts can be shown (stdin and output are terminals). */
  readonly interactive: boolean;
  intro(title: string): void;
  outro(message: string): void;
  /** "Step n of N: title". */
  step(n: number, total: number, title: string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  note(body: string, title: string): void;
  /** Shows a spinner with `label` while `work` runs. */
  spin<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** Lines shown as they are, unframed, so they copy and paste cleanly. */
  raw(text: string): void;
  /** A line of machine-readable result on stdout (a token, a name). */
  result(line: string): void;
}

function unwrap<T>(v: unknown): T {
  if (clack.isCancel(v)) throw new Cancelled();
  return v as T;
}

/** The terminal UI (clack), drawing to `output` (stdout, or stderr when stdout carries a result). */
export function clackUi(output: Writable = process.stdout): Ui {
  const o = { output };
  const isTty = Boolean((output as { isTTY?: boolean }).isTTY);
  const interactive = Boolean(process.stdin.isTTY) && isTty;
  return {
    interactive,
    intro: (t) => clack.intro(t, o),
    outro: (m) => clack.outro(m, o),
    step: (n, total, t) => clack.log.step(`Step ${n} of ${total}: ${t}`, o),
    info: (m) => clack.log.info(m, o),
    success: (m) => clack.log.success(m, o),
    warn: (m) => clack.log.warn(m, o),
    note: (body, title) => clack.note(body, title, o),
    async spin(label, work) {
      if (!isTty) {
        // No animation where nobody watches (CI logs, pipes): one line per call.
        clack.log.step(label, o);
        return work();
      }
      const s = clack.spinner(o);
      s.start(label);
      try {
        const r = await work();
        s.stop(label);
        return r;
      } catch (e) {
        s.error(label);
        throw e;
      }
    },
    raw: (text) => void output.write(`${text}\n`),
    result: (line) => void process.stdout.write(`${line}\n`),
    async text(q) {
      const v = await clack.text({
        ...o,
        message: q.message,
        // The default shows as a placeholder: Enter takes it, typing replaces it.
        placeholder: q.initial,
        defaultValue: q.initial,
        validate: q.validate ? (x) => q.validate!(x || q.initial) : undefined,
      });
      return unwrap<string>(v) || q.initial;
    },
    async select<T extends string>(q: { message: string; options: readonly Choice<T>[]; initial?: T }) {
      const options = q.options.map((c) => ({ ...c })) as Parameters<typeof clack.select<string>>[0]["options"];
      const v = await clack.select<string>({ ...o, message: q.message, options, initialValue: q.initial });
      return unwrap<string>(v) as T;
    },
    async multiselect<T extends string>(q: { message: string; options: readonly Choice<T>[]; initial: readonly T[] }) {
      const options = q.options.map((c) => ({ ...c })) as Parameters<typeof clack.multiselect<string>>[0]["options"];
      const v = await clack.multiselect<string>({
        ...o,
        message: q.message,
        options,
        initialValues: [...q.initial],
        required: false,
      });
      return unwrap<string[]>(v) as T[];
    },
    async confirm(q) {
      return unwrap<boolean>(await clack.confirm({ ...o, message: q.message, initialValue: q.initial }));
    },
  };
}
