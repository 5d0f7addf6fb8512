/** Installs the scaffolded workspace's dependencies with the user's package manager. */
import { CliError } from "./errors.js";
import { exec } from "./exec.js";
import type { Ui } from "./ui.js";

/** Package managers the workspace can be installed with. */
export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** The package manager that started this process (npm_config_user_agent), else npm. */
export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split("/")[0];
  return PACKAGE_MANAGERS.find((p) => p === name) ?? "npm";
}

/** Installs dependencies in `dir`. */
export type Installer = (dir: string, pm: PackageManager) => Promise<void>;

/**
 * The install command for `pm`. Setup writes the workspace's package.json, so
 * the install must be allowed to update the lockfile: in CI environments
 * (CI=true) pnpm defaults to a frozen lockfile and yarn 2+ to immutable
 * installs, which would refuse a dependency setup just added (the dashboard on
 * a re-run). npm's `install` never freezes.
 */
export function installCommand(pm: PackageManager): { args: string[]; env: Record<string, string> } {
  switch (pm) {
    case "pnpm":
      return { args: ["install", "--no-frozen-lockfile"], env: {} };
    case "yarn":
      return { args: ["install"], env: { YARN_ENABLE_IMMUTABLE_INSTALLS: "false" } };
    case "npm":
      return { args: ["install"], env: {} };
  }
}

/** The real installer: `<pm> install` under a spinner. */
export function installer(ui: Ui): Installer {
  return async (dir, pm) => {
    const { args, env } = installCommand(pm);
    const r = await ui.spin(`${pm} install`, () => exec({ command: pm, args, env, cwd: dir }));
    if (r.code !== 0) {
      const tail = (r.stderr || r.stdout).trim().split("\n").slice(-6).join("\n");
      throw new CliError(
        `${pm} install failed in ${dir}:\n${tail}`,
        `fix the problem, then run \`${pm} install\` there and re-run setup`,
      );
    }
  };
}
