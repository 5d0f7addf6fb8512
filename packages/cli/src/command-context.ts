/** What every command runs with: output, wrangler, the server package, flags and environment. */
import type { AskContext } from "./ask.js";
import type { DashboardPackage } from "./dashboard.js";
import type { Installer } from "./install.js";
import type { ServerPackage } from "./server-package.js";
import type { Wrangler } from "./wrangler.js";

/** A command's services and inputs. */
export interface CommandContext extends AskContext {
  readonly wrangler: Wrangler;
  readonly server: ServerPackage;
  readonly install: Installer;
  readonly now: () => Date;
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  /** Finds the dashboard package (default: next to the CLI); tests replace it. */
  readonly findDashboard?: () => DashboardPackage | undefined;
  /** Builds the dashboard package from source (default: `<pm> run build` in it); tests replace it. */
  readonly buildDashboard?: (dash: DashboardPackage, pm: string) => Promise<void>;
}

/** A flag's string value or its environment variable's. */
export function setting(ctx: CommandContext, flag: string, env?: string): string | undefined {
  const f = ctx.flags[flag];
  if (typeof f === "string") return f;
  const e = env === undefined ? undefined : ctx.env[env];
  return e === "" ? undefined : e;
}

/** A boolean flag, or its environment variable set to true/1/yes. */
export function enabled(ctx: CommandContext, flag: string, env?: string): boolean {
  if (ctx.flags[flag] === true) return true;
  const e = env === undefined ? undefined : ctx.env[env];
  return e !== undefined && /^(1|true|yes)$/i.test(e);
}
