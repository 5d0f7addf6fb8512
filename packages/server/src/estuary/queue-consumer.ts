/**
 * The Worker's queue handler for large fan-outs. Messages name a (source,
 * session) pair; they are grouped per source, the owed rows fetched once per
 * group, delivered to each session in order with the source's producer
 * triple, and reported back so the source's outbox can advance. Queue
 * delivery is at least once; the producer triple makes repeats harmless.
 */
import type { Env } from "../env.js";
import { metrics } from "../live/metrics.js";
import { deliverRows, type Delivery } from "./deliver.js";
import type { FanoutMessage, FanoutReport } from "./fanout.js";

const CONCURRENCY = 16;
/** Rounds of work → deliver → report per group before handing the rest back to the source. */
const MAX_ROUNDS = 8;

function sourceStub(env: Env, key: string) {
  return env.STREAMS.get(env.STREAMS.idFromName(key));
}

/** Handles one batch of fan-out messages. */
export async function consumeFanout(batch: MessageBatch<FanoutMessage>, env: Env): Promise<void> {
  metrics.estuaryQueueBatches += 1;
  const groups = new Map<string, Message<FanoutMessage>[]>();
  for (const msg of batch.messages) {
    const list = groups.get(msg.body.source) ?? [];
    list.push(msg);
    groups.set(msg.body.source, list);
  }
  await Promise.all(
    [...groups].map(async ([source, msgs]) => {
      try {
        const retry = await deliverGroup(env, source, [...new Set(msgs.map((m) => m.body.session))]);
        for (const m of msgs) {
          if (retry.has(m.body.session)) m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) });
          else m.ack();
        }
      } catch (e) {
        console.error(JSON.stringify({ msg: "estuary queue group failed", source, error: String(e) }));
        for (const m of msgs) m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) });
      }
    }),
  );
}

/** Delivers one source's rows to its sessions; returns the sessions to retry from the queue. */
async function deliverGroup(env: Env, source: string, sessions: string[]): Promise<Set<string>> {
  const stub = sourceStub(env, source);
  const retry = new Set<string>();
  let owed = sessions;
  for (let round = 0; round < MAX_ROUNDS && owed.length > 0; round++) {
    const work = await stub.fanoutWork(owed);
    if (!work) return retry;
    const reports: FanoutReport[] = [];
    let next = 0;
    const worker = async () => {
      while (next < work.subs.length) {
        const sub = work.subs[next++]!;
        const session = env.STREAMS.get(env.STREAMS.idFromName(sub.session));
        // Counted here and reported: the source StreamDO keeps its fan-out's counters.
        const tally = { appends: 0, duplicates: 0, pruned: 0 };
        const d: Delivery = await deliverRows(session, work.producerId, sub, work.rows, tally);
        if (d.kind === "retry") retry.add(sub.session);
        reports.push({
          session: sub.session,
          since: sub.since,
          ackedTo: d.ackedTo,
          prune: d.kind === "prune",
          appends: tally.appends,
          duplicates: tally.duplicates,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, work.subs.length) }, worker));
    owed = (await stub.fanoutReport(reports)).filter((s) => !retry.has(s));
  }
  if (owed.length > 0) {
    await stub.fanoutRequeue(owed);
  }
  return retry;
}
