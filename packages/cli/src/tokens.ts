/** Project tokens, signed with the server's own `mintToken`. */
import { mintToken, type ProjectConfig, type Scope } from "@durable-streams-edge/server/node";
import { CliError } from "./errors.js";
import { signingKey } from "./projects.js";

/** What to put in a token. */
export interface TokenRequest {
  readonly scope: Scope;
  readonly ttlSeconds: number;
  readonly sub: string;
  readonly streams?: readonly string[];
  /** Sign with this key instead of the newest HS256 key. */
  readonly kid?: string;
}

/** A signed token for a project. */
export async function mintFor(config: ProjectConfig, req: TokenRequest): Promise<string> {
  const key = signingKey(config, req.kid);
  try {
    return await mintToken({
      project: config.name,
      kid: key.kid,
      key: { alg: "HS256", secret: key.secret },
      sub: req.sub,
      scope: req.scope,
      ttlSeconds: req.ttlSeconds,
      ...(req.streams ? { streams: req.streams } : {}),
    });
  } catch (e) {
    throw new CliError(`Cannot mint the token: ${(e as Error).message}`);
  }
}
