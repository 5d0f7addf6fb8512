/**
 * A tiny authoritative DNS server on loopback UDP that answers A queries for
 * one name with an address the test can change, to show that nginx resolves
 * the origin per request instead of once at start.
 */
import { createSocket } from "node:dgram";

/** A running fake DNS server. */
export interface FakeDns {
  /** `127.0.0.1:<port>`, usable as nginx's `resolver`. */
  readonly address: string;
  /** Changes the IPv4 address answered from now on. */
  setAddress(ip: string): void;
  /** Number of A queries answered so far. */
  queries(): number;
  close(): Promise<void>;
}

const TTL_SECONDS = 1;

/** Starts a DNS server answering `name` → `ip` (TTL 1 s); other names get NXDOMAIN. */
export async function startFakeDns(name: string, ip: string): Promise<FakeDns> {
  const socket = createSocket("udp4");
  let current = ip;
  let answered = 0;
  socket.on("message", (msg, peer) => {
    const reply = answer(msg, name.toLowerCase(), current);
    if (!reply) return;
    if (reply.readUInt16BE(6) > 0) answered++;
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((ok) => socket.bind(0, "127.0.0.1", ok));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    setAddress: (next) => {
      current = next;
    },
    queries: () => answered,
    close: () => new Promise((ok) => socket.close(() => ok())),
  };
}

/** Builds the response to one query, or undefined for packets that are not a single question. */
function answer(query: Buffer, name: string, ip: string): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  // Bounded by the packet length: each label advances `at` by at least one.
  while (at < query.length && query[at] !== 0) {
    const len = query[at]!;
    labels.push(query.subarray(at + 1, at + 1 + len).toString("latin1"));
    at += 1 + len;
  }
  const questionEnd = at + 5; // zero label + QTYPE + QCLASS
  if (questionEnd > query.length) return undefined;
  const qtype = query.readUInt16BE(at + 1);
  const found = labels.join(".").toLowerCase() === name;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // same id
  // QR + AA + RD (copied) + RA; RCODE 3 (NXDOMAIN) for other names.
  header.writeUInt16BE(0x8480 | (query.readUInt16BE(2) & 0x0100) | (found ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  const withAnswer = found && qtype === 1;
  header.writeUInt16BE(withAnswer ? 1 : 0, 6);
  const question = query.subarray(12, questionEnd);
  if (!withAnswer) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  record.writeUInt16BE(1, 2); // A
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(TTL_SECONDS, 6);
  record.writeUInt16BE(4, 10);
  ip.split(".").forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
  return Buffer.concat([header, question, record]);
}
