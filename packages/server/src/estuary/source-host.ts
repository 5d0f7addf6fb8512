/**
 * The fan-out driver's host, built from a source StreamDO and the Worker's
 * bindings: session streams and sessions are reached by RPC, the queue by its
 * binding. Kept here so the StreamDO only hands over its outbox, metadata and
 * alarm hook.
 */
import type { Env } from "../env.js";
import type { StreamMeta } from "../do/meta.js";
import { readEstuaryConfig } from "./config.js";
import type { SessionStream } from "./deliver.js";
import type { FanoutHost, FanoutTally } from "./fanout.js";
import type { Outbox } from "./outbox-store.js";

/** What a source StreamDO lends its fan-out driver. */
export interface SourceObject {
  readonly outbox: Outbox;
  readonly maxAppendBytes: number;
  /** The object's fan-out counters, read through its counters() RPC. */
  readonly fanoutTally: FanoutTally;
  meta(): StreamMeta | null;
  /** The object's alarm hook (see StreamDO.armAlarm). */
  armAlarm(at: number): void;
}

/** The fan-out host of a source StreamDO. */
export function fanoutHostOf(obj: SourceObject, env: Env): FanoutHost {
  const session = (key: string) => env.ESTUARY.get(env.ESTUARY.idFromName(key));
  return {
    outbox: obj.outbox,
    maxAppendBytes: obj.maxAppendBytes,
    fanoutTally: obj.fanoutTally,
    limits: readEstuaryConfig(env),
    meta: () => obj.meta(),
    armAlarm: (at) => obj.armAlarm(at),
    sessionStream: (key) => env.STREAMS.get(env.STREAMS.idFromName(key)) as unknown as SessionStream,
    forgetSubscription: (key, source) => session(key).forget(source),
    notifyParked: (key, source, parked) => session(key).parked(source, parked),
    queue: () => env.FANOUT,
  };
}
