/**
 * The Worker's queue handler for large fan-outs. A message names one source
 * and many of its sessions; a batch is grouped per source, the owed rows
 * fetched once per group, delivered to each session in order with the
 * source's producer triple, and reported back so the source's outbox can
 * advance. One batch is one invocation: it stays inside the subrequest
 * budget (what it cannot reach is handed back to the source) and every call
 * has a time limit, so a hung call never holds the queue. Queue delivery is
 * at least once; the producer triple makes repeats harmless.
 */
import type { Env } from "../env.js";
import { metrics } from "../live/metrics.js";
import { flushNow } from "../metrics/recorder.js";
import { Budget, withTimeout } from "./bounded.js";
import { readEstuaryConfig } from "./config.js";
import { deliverRows } from "./deliver.js";
import type { FanoutReport } from "./fanout.js";
import { CONSUMER_RESERVE, sessionsOf, type FanoutMessage } from "./queue-pack.js";

const CONCURRENCY = 16;
/** Calls kept back for a group's report and hand-back. */
const RESERVE = 2;
/** Work → deliver → report rounds per group. */
const MAX_ROUNDS = 8;

function stub(env: Env, key: string) {
  return env.STREAMS.get(env.STREAMS.idFromName(key));
}

/** Handles one batch of fan-out messages. */
export async function consumeFanout(batch: MessageBatch<FanoutMessage>, env: Env): Promise<void> {
  metrics.estuaryQueueBatches += 1;
  const config = readEstuaryConfig(env);
  const budget = new Budget(config.subrequestBudget);
  const groups = new Map<string, { msgs: Message<FanoutMessage>[]; sessions: Set<string> }>();
  for (const msg of batch.messages) {
    const g = groups.get(msg.body.source) ?? { msgs: [], sessions: new Set<string>() };
    g.msgs.push(msg);
    for (const s of sessionsOf(msg.body)) g.sessions.add(s);
    groups.set(msg.body.source, g);
  }
  // Groups share the budget one after another, so each gets what the others left.
  for (const [source, g] of groups) {
    if (budget.left <= RESERVE) {
      // Nothing left for this group in this invocation: it comes back shortly.
      for (const m of g.msgs) m.retry({ delaySeconds: 1 });
      continue;
    }
    try {
      await deliverGroup(env, source, [...g.sessions], budget, config.callTimeoutMs);
      for (const m of g.msgs) m.ack();
    } catch (e) {
      // The source could not be reached: retry later; the source also re-drives stale hand-offs itself.
      console.error(JSON.stringify({ msg: "estuary queue group failed", source, error: String(e) }));
      for (const m of g.msgs) m.retry({ delaySeconds: Math.min(60, 5 * m.attempts) });
    }
  }
  metrics.estuaryConsumerSubrequestsLast = budget.spent;
  metrics.estuaryConsumerSubrequestsMax = Math.max(metrics.estuaryConsumerSubrequestsMax, budget.spent);
  // A consumer isolate may serve no request that would flush its counts (deliveries, latency): flush now.
  await flushNow(env);
}

/** Delivers one source's rows to its sessions, within the budget; the rest goes back to the source. */
async function deliverGroup(env: Env, source: string, sessions: string[], budget: Budget, timeoutMs: number) {
  const src = stub(env, source);
  const call = <T>(p: Promise<T>, what: string) => withTimeout(p, timeoutMs, what);
  let owed = sessions;
  // Sessions this invocation cannot afford even one append for: handed back untouched.
  let untouched: string[] = [];
  for (let round = 0; round < MAX_ROUNDS && owed.length > 0; round++) {
    // Ask only for the sessions the budget can still append to (one call each, beside the
    // round's work and report calls and the hand-back: CONSUMER_RESERVE).
    const afford = budget.left - CONSUMER_RESERVE;
    if (afford <= 0 || !budget.take(1, RESERVE)) break;
    untouched = untouched.concat(owed.slice(afford));
    owed = owed.slice(0, afford);
    metrics.estuarySourceCalls += 1;
    const work = await call(src.fanoutWork(owed), "fanoutWork");
    if (!work) {
      // None of these is subscribed any more (or the source is gone): only the untouched go back.
      owed = [];
      break;
    }
    const reports: FanoutReport[] = [];
    const bounds = { budget, timeoutMs, reserve: RESERVE };
    let next = 0;
    const worker = async () => {
      while (next < work.subs.length) {
        const sub = work.subs[next++]!;
        // Counted here and reported: the source StreamDO keeps its fan-out's counters.
        const tally = { appends: 0, duplicates: 0, pruned: 0 };
        const d = await deliverRows(stub(env, sub.session), work.producerId, sub, work.rows, { ...bounds, tally });
        if (d.kind === "paused" && d.ackedTo === sub.acked) {
          // Not one append made: nothing to report; it goes back with the rest.
          untouched.push(sub.session);
          continue;
        }
        reports.push({
          session: sub.session,
          since: sub.since,
          ackedTo: d.ackedTo,
          prune: d.kind === "prune",
          failed: d.kind === "retry" || d.kind === "superseded",
          appends: tally.appends,
          duplicates: tally.duplicates,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, work.subs.length) }, worker));
    budget.spend(1);
    metrics.estuarySourceCalls += 1;
    owed = await call(src.fanoutReport(reports), "fanoutReport");
  }
  const rest = owed.concat(untouched);
  if (rest.length > 0) {
    budget.spend(1);
    metrics.estuarySourceCalls += 1;
    await call(src.fanoutRequeue(rest), "fanoutRequeue");
  }
}
