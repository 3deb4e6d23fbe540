/**
 * Server Name Indication from a TLS ClientHello.
 *
 * Why: for intercepted HTTPS the sidecar must tell workerd the hostname (`X-Tls-Sni`) before any
 * decryption, and the only place it is visible is the ClientHello's SNI extension.
 * Boundary: pure parsing of the first TLS record; no crypto.
 */

export type SniResult = { kind: "need-more" } | { kind: "not-tls" } | { kind: "tls"; sni: string | undefined };

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;

/** Classifies the first bytes of a stream; `need-more` until the whole first record has arrived. */
export function parseClientHello(buf: Buffer): SniResult {
  if (buf.length === 0) return { kind: "need-more" };
  if (buf[0] !== HANDSHAKE) return { kind: "not-tls" };
  if (buf.length < 5) return { kind: "need-more" };
  if (buf[1] !== 0x03) return { kind: "not-tls" };
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return { kind: "need-more" };
  const rec = buf.subarray(5, 5 + recordLen);
  if (rec[0] !== CLIENT_HELLO || rec.length < 4) return { kind: "tls", sni: undefined };
  try {
    return { kind: "tls", sni: sniFromHello(rec.subarray(4)) };
  } catch {
    // A ClientHello split over several records or malformed: still TLS, just no name.
    return { kind: "tls", sni: undefined };
  }
}

function sniFromHello(h: Buffer): string | undefined {
  let p = 2 + 32; // client_version + random
  p += 1 + need(h, p, 1).readUInt8(p); // session_id
  p += 2 + need(h, p, 2).readUInt16BE(p); // cipher_suites
  p += 1 + need(h, p, 1).readUInt8(p); // compression_methods
  if (p + 2 > h.length) return undefined; // no extensions
  const extEnd = Math.min(h.length, p + 2 + h.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = h.readUInt16BE(p);
    const len = h.readUInt16BE(p + 2);
    p += 4;
    if (type === EXT_SERVER_NAME) {
      let q = p + 2; // server_name_list length
      const end = p + len;
      while (q + 3 <= end) {
        const nameType = h.readUInt8(q);
        const nameLen = h.readUInt16BE(q + 1);
        q += 3;
        if (nameType === 0)
          return need(h, q, nameLen)
            .subarray(q, q + nameLen)
            .toString("ascii")
            .toLowerCase();
        q += nameLen;
      }
      return undefined;
    }
    p += len;
  }
  return undefined;
}

function need(buf: Buffer, at: number, len: number): Buffer {
  if (at + len > buf.length) throw new RangeError("truncated ClientHello");
  return buf;
}
