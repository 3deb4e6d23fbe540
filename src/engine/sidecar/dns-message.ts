/**
 * DNS wire format: the few shapes the sidecar's responder needs (RFC 1035).
 *
 * Why: the app's resolver sends ordinary UDP queries (redirected to the sidecar); answering them with
 * synthetic A records, empty AAAA answers, NXDOMAIN or SERVFAIL, and reading A records out of relayed
 * upstream answers, needs only this much of the format. No dependency is worth it for that.
 * Boundary: pure encode/decode; no sockets.
 */

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

export interface DnsQuestion {
  id: number;
  flags: number;
  name: string;
  type: number;
  klass: number;
  /** Byte range of the question section in the query, echoed verbatim in answers. */
  questionBytes: Buffer;
}

/** Reads a possibly compressed name at `offset`; returns the name and the offset after it. */
export function readName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let p = offset;
  let next = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (p >= msg.length) throw new RangeError("name runs past the message");
    const len = msg[p] ?? 0;
    if (len === 0) {
      return { name: labels.join("."), next: next < 0 ? p + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= msg.length) throw new RangeError("truncated compression pointer");
      if (next < 0) next = p + 2;
      p = ((len & 0x3f) << 8) | (msg[p + 1] ?? 0);
      continue;
    }
    labels.push(msg.subarray(p + 1, p + 1 + len).toString("latin1"));
    p += 1 + len;
  }
  throw new RangeError("too many name labels or pointers");
}

export function parseQuery(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response, not a query
  if (msg.readUInt16BE(4) < 1) return undefined;
  try {
    const { name, next } = readName(msg, 12);
    if (next + 4 > msg.length) return undefined;
    return {
      id: msg.readUInt16BE(0),
      flags,
      name: name.toLowerCase(),
      type: msg.readUInt16BE(next),
      klass: msg.readUInt16BE(next + 2),
      questionBytes: msg.subarray(12, next + 4),
    };
  } catch {
    return undefined;
  }
}

/** A response to `q` with the given rcode and IPv4 answers (only for type A). */
export function buildResponse(q: DnsQuestion, rcode: number, ipv4Answers: readonly string[] = [], ttl = 30): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR=1, opcode copied, AA=1, RD copied, RA=1, rcode.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7800) | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ipv4Answers.length, 6);
  const answers = ipv4Answers.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    for (const [i, octet] of ip.split(".").entries()) rr.writeUInt8(Number(octet), 12 + i);
    return rr;
  });
  return Buffer.concat([header, q.questionBytes, ...answers]);
}

/** A records (name, address) found in the answer section of an upstream response. */
export function readARecords(msg: Buffer): Array<{ name: string; ip: string }> {
  const out: Array<{ name: string; ip: string }> = [];
  try {
    const qd = msg.readUInt16BE(4);
    const an = msg.readUInt16BE(6);
    let p = 12;
    for (let i = 0; i < qd; i++) p = readName(msg, p).next + 4;
    for (let i = 0; i < an; i++) {
      const { name, next } = readName(msg, p);
      const type = msg.readUInt16BE(next);
      const rdlen = msg.readUInt16BE(next + 8);
      const rdata = next + 10;
      if (type === TYPE_A && rdlen === 4) {
        out.push({ name: name.toLowerCase(), ip: [...msg.subarray(rdata, rdata + 4)].join(".") });
      }
      p = rdata + rdlen;
    }
  } catch {
    // A truncated answer just yields fewer records.
  }
  return out;
}

/** Builds a standard query (used by tests and the doctor). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const labels = name.split(".").filter(Boolean);
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")])),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, qname, tail]);
}
