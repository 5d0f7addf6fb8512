/**
 * A project's retention defaults and caps (project config `retention`,
 * docs/auth.md): `defaults` apply to streams created without retention
 * headers, `caps` bound what any stream may keep. Each has `bytes`,
 * `messages` and `seconds`, a positive integer or absent (no limit).
 */
import { NO_RETENTION, type ProjectRetention, type Retention } from "../do/retention-policy.js";

const KEYS = ["bytes", "messages", "seconds"] as const;

function limitsOf(raw: unknown, field: string): Retention | string {
  if (raw === undefined) return NO_RETENTION;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return `retention.${field} must be an object`;
  const out: Record<string, number | null> = { ...NO_RETENTION };
  for (const [k, v] of Object.entries(raw)) {
    if (!KEYS.some((x) => x === k)) return `retention.${field}.${k} is not a retention limit (${KEYS.join(", ")})`;
    if (v === null) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      return `retention.${field}.${k} must be a positive integer (or null for no limit)`;
    }
    out[k] = v;
  }
  return out as unknown as Retention;
}

/** Validates `retention` of a project config; a string says what is wrong. */
export function parseProjectRetention(raw: unknown): ProjectRetention | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return "retention must be an object with defaults and/or caps";
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (k !== "defaults" && k !== "caps") return `retention.${k} is not known (defaults, caps)`;
  const defaults = limitsOf(r.defaults, "defaults");
  if (typeof defaults === "string") return defaults;
  const caps = limitsOf(r.caps, "caps");
  if (typeof caps === "string") return caps;
  for (const k of KEYS) {
    const d = defaults[k];
    const c = caps[k];
    if (d !== null && c !== null && d > c) return `retention.defaults.${k} (${d}) is above retention.caps.${k} (${c})`;
  }
  return { defaults, caps };
}

/** The retention of a project that sets none. */
export const NO_PROJECT_RETENTION: ProjectRetention = { defaults: NO_RETENTION, caps: NO_RETENTION };
