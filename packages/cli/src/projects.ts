/**
 * Project configs as the CLI changes them: new projects, key rotation and
 * retirement. Every result passes the server's own `parseProjectConfig`, so
 * the CLI cannot store what the Worker would refuse to read.
 */
import { exportJWK, generateSecret } from "jose";
import {
  PROJECT_NAME_RE,
  parseProjectConfig,
  type ProjectConfig,
  type SigningKey,
} from "@durable-streams-edge/server/node";
import { CliError } from "./errors.js";

/** An HS256 key as stored in a project config. */
export type HmacKey = Extract<SigningKey, { alg: "HS256" }>;

/** Checks a project name; a string says what is wrong. */
export function projectNameProblem(name: string): string | undefined {
  return PROJECT_NAME_RE.test(name)
    ? undefined
    : "use 1-63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit";
}

function valid(raw: unknown): ProjectConfig {
  const config = parseProjectConfig(raw);
  if (typeof config === "string") throw new CliError(`Invalid project config: ${config}`);
  return config;
}

/** A fresh HS256 signing key (32 random bytes, generated with jose). */
export async function newHmacKey(now: Date): Promise<HmacKey> {
  const secret = await generateSecret("HS256", { extractable: true });
  const jwk = await exportJWK(secret);
  const stamp = now.toISOString().slice(0, 10).replace(/-/g, "");
  const rand = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  return { kid: `k-${stamp}-${rand}`, alg: "HS256", secret: jwk.k!, createdAt: now.toISOString() };
}

/** A new project with one HS256 key. */
export async function newProject(name: string, now: Date): Promise<ProjectConfig> {
  const problem = projectNameProblem(name);
  if (problem) throw new CliError(`"${name}" is not a valid project name: ${problem}`);
  const at = now.toISOString();
  return valid({ name, keys: [await newHmacKey(now)], createdAt: at, updatedAt: at });
}

/** The project with a new HS256 key added after the existing ones (which stay valid). */
export async function rotateKey(config: ProjectConfig, now: Date): Promise<{ config: ProjectConfig; key: HmacKey }> {
  const key = await newHmacKey(now);
  return { config: valid({ ...config, keys: [...config.keys, key], updatedAt: now.toISOString() }), key };
}

/**
 * The project without key `kid`, or, without a kid, without every key but the
 * newest HS256 one. The last key is never removed.
 */
export function retireKeys(
  config: ProjectConfig,
  kid: string | undefined,
  now: Date,
): { config: ProjectConfig; retired: string[] } {
  let keep: SigningKey[];
  if (kid !== undefined) {
    if (!config.keys.some((k) => k.kid === kid)) {
      throw new CliError(`Project "${config.name}" has no key "${kid}"`, `see its keys with: keys list ${config.name}`);
    }
    keep = config.keys.filter((k) => k.kid !== kid);
  } else {
    const newest = signingKey(config);
    keep = [newest];
  }
  if (keep.length === 0) {
    throw new CliError(
      `Cannot retire the only key of "${config.name}"`,
      `add its replacement first: keys rotate ${config.name}`,
    );
  }
  const retired = config.keys.filter((k) => !keep.includes(k)).map((k) => k.kid);
  return { config: valid({ ...config, keys: keep, updatedAt: now.toISOString() }), retired };
}

/** The HS256 key tokens are signed with: the named one, or the newest (as the server's mint route). */
export function signingKey(config: ProjectConfig, kid?: string): HmacKey {
  const hmac = config.keys.filter((k): k is HmacKey => k.alg === "HS256");
  const key = kid === undefined ? hmac[hmac.length - 1] : hmac.find((k) => k.kid === kid);
  if (!key) {
    throw new CliError(
      kid === undefined
        ? `Project "${config.name}" has no HS256 key to sign with`
        : `Project "${config.name}" has no HS256 key "${kid}"`,
      `add one with: keys rotate ${config.name}`,
    );
  }
  return key;
}
