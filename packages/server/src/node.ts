/**
 * The parts of the server that run in Node as well as in a Worker: token
 * minting and the project config format. The CLI builds on these, so a
 * project it writes is exactly what the Worker reads.
 */
export { mintToken, type MintKey, type MintOptions } from "./auth/mint.js";
export { SCOPES, MAX_MINT_TTL_SECONDS, parseScope, type Scope } from "./auth/claims.js";
export { parseProjectConfig, publicView, PROJECT_NAME_RE, type ProjectConfig } from "./projects/config.js";
export { KID_RE, type SigningKey } from "./projects/keys.js";
