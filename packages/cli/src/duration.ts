/** Token lifetimes written as `90s`, `15m`, `1h`, `7d` or plain seconds. */
import { MAX_MINT_TTL_SECONDS } from "@durable-streams-edge/server/node";
import { CliError } from "./errors.js";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in a duration; at most the server's longest mint lifetime (30 days). */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || "s"]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_MINT_TTL_SECONDS) {
    throw new CliError(
      `"${text}" is not a token lifetime`,
      `use e.g. 90s, 15m, 1h or 7d (at most ${MAX_MINT_TTL_SECONDS / 86_400}d)`,
    );
  }
  return seconds;
}
