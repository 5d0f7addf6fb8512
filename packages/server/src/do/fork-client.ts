/**
 * The fork side of fork references. A new fork records its intent (the
 * reference and the source, fork-links.ts) and schedules its release before
 * it calls the source, so whatever happens to the call — a crash, a lost
 * reply — the reference is either committed with the fork or released later
 * by the fork's alarm. Attach and detach are idempotent by reference, so
 * retrying them is always safe.
 */
import { failure, type Result } from "../protocol/errors.js";
import { forkRef } from "./fork-links.js";
import type { StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { AttachOk, ForkRequest } from "./rpc-types.js";

/** Alarm job: release the references of forks that never committed. */
export const FORK_INTENTS_JOB = "fork-intents";
/** A failed release is retried after this. */
export const RELEASE_RETRY_MS = 5_000;
/** Attach calls per create: the second one is a retry after a lost reply. */
const ATTACH_ATTEMPTS = 2;

/** Attaches a new fork to its source under a durable intent; 503 when the source did not answer. */
export async function attachToSource(
  host: StreamHost,
  ref: string,
  fork: ForkRequest,
  contentType: string | null,
): Promise<Result<AttachOk>> {
  // Durable before the call goes out: the output gate holds the call until these writes are stored.
  host.forks.addIntent(ref, fork.source, host.now());
  host.alarms.schedule(FORK_INTENTS_JOB, host.now() + RELEASE_RETRY_MS);
  let error: unknown;
  for (let attempt = 1; attempt <= ATTACH_ATTEMPTS; attempt++) {
    try {
      const r = await host.source(fork.source).attachFork({ ...fork, contentType, ref });
      host.faults.hit("attach-reply");
      // A refusal means the source recorded nothing.
      if (!r.ok) host.forks.dropLink(ref);
      return r;
    } catch (e) {
      error = e;
    }
  }
  // The source may or may not hold the reference: the alarm releases it.
  console.error(JSON.stringify({ msg: "fork attach got no answer; released later", ref, error: String(error) }));
  return failure(503, "unavailable", "The fork's source stream did not answer; retry the request");
}

/** The fork was not created after all: releases its reference now, or leaves it to the alarm. */
export async function abandonIntent(host: StreamHost, ref: string, source: string): Promise<void> {
  try {
    await release(host, ref, source);
  } catch (e) {
    console.error(JSON.stringify({ msg: "fork release failed; will retry", ref, error: String(e) }));
  }
}

/** Releases this fork's reference on its source (throws when the source did not confirm). */
export async function releaseSource(host: StreamHost, m: StreamMeta): Promise<void> {
  if (m.forkSource === null) return;
  const link = host.forks.attachedLink();
  if (link) return release(host, link.ref, link.source);
  // A fork created before reference sets: its source counts it (fork-links.ts).
  host.faults.hit("release");
  await host.source(m.forkSource).detachFork({ ref: forkRef(m.instance, m.key), legacy: true });
  host.faults.hit("detach-reply");
}

/** The alarm job: releases every reference whose fork never committed. */
export async function releaseAbandoned(host: StreamHost): Promise<void> {
  let failed = false;
  for (const link of host.forks.abandoned()) {
    try {
      await release(host, link.ref, link.source);
    } catch (e) {
      failed = true;
      console.error(JSON.stringify({ msg: "fork release failed; will retry", ref: link.ref, error: String(e) }));
    }
  }
  // A create still attaching may yet give its intent up: look again later.
  if (failed || host.forks.attachInFlight()) host.alarms.schedule(FORK_INTENTS_JOB, host.now() + RELEASE_RETRY_MS);
}

async function release(host: StreamHost, ref: string, source: string): Promise<void> {
  host.faults.hit("release");
  await host.source(source).detachFork({ ref, legacy: false });
  host.faults.hit("detach-reply");
  host.forks.dropLink(ref);
}
