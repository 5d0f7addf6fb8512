/**
 * Creating a session's stream so that it is marked as the session's own in
 * the same step: an existing stream of that name is taken only when it was
 * created this way, never a user's stream that happens to share the name.
 */
import { createStream } from "../do/create.js";
import type { StreamHost } from "../do/host.js";
import type { Held } from "../do/lock.js";
import { failure, type Result } from "../protocol/errors.js";
import type { OutboxStore } from "./outbox-store.js";

/** Creates (or confirms) the session stream `key`; 409 when the name holds any other stream. */
export async function claimSessionStream(
  host: StreamHost,
  outbox: Pick<OutboxStore, "isSession" | "markSession">,
  key: string,
  held: Held,
): Promise<Result<{ created: boolean }>> {
  const taken = () =>
    failure(
      409,
      "conflict",
      `Stream "${key.slice(key.indexOf("/") + 1)}" already exists and is not this session's stream; choose another estuaryId`,
    );
  const made = await createStream(
    host,
    {
      key,
      contentType: "application/json",
      expiry: { ttlSeconds: null, expiresAtMs: null },
      closed: false,
      fork: null,
    },
    null,
    held,
  );
  if (!made.ok) return made.status === 409 || made.status === 410 ? taken() : made;
  if (made.created) {
    outbox.markSession();
    return { ok: true, created: true };
  }
  return outbox.isSession() ? { ok: true, created: false } : taken();
}
