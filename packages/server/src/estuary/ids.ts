/**
 * Names and numbers of the estuary: session ids, the DO keys of sessions,
 * and the idempotent-producer triple a delivery carries. Pure.
 */

const ESTUARY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Why an estuary id is unusable, or null when it is fine. */
export function estuaryIdProblem(id: unknown): string | null {
  if (typeof id !== "string") return '"estuaryId" must be a string';
  if (!ESTUARY_ID_RE.test(id)) {
    return '"estuaryId" must be 1-128 characters of A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit';
  }
  return null;
}

/** The key of a session: its EstuaryDO name and its stream's StreamDO name. */
export function sessionKey(project: string, estuaryId: string): string {
  return `${project}/${estuaryId}`;
}

/** Splits a `project/name` key. */
export function splitKey(key: string): { project: string; name: string } {
  const i = key.indexOf("/");
  return { project: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * The Producer-Id a source uses in every session stream. The source stream's
 * instance is part of it, so a deleted and re-created source starts afresh.
 */
export function producerIdOf(sourceKey: string, instance: string): string {
  return `estuary:${instance}:${sourceKey}`;
}

/**
 * The producer epoch and seq of outbox row `id` for a subscription made when
 * the outbox's last id was `since`. Every row after `since` goes to every
 * subscriber, so seqs are contiguous from 0; a later subscription has a larger
 * `since` whenever rows were written in between, so its epoch never goes back.
 */
export function producerPosition(since: number, id: number): { epoch: number; seq: number } {
  return { epoch: since, seq: id - since - 1 };
}
