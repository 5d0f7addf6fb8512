/**
 * The CLI's one error type: what went wrong and what to do next. `main.ts`
 * prints it and exits 1; anything else is a bug and is printed with its stack.
 */

/** A failure the user can act on. */
export class CliError extends Error {
  /** The next step, shown under the message. */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "CliError";
    this.hint = hint;
  }
}

/** Thrown when the user cancels a prompt; exits 0. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}
