/**
 * Byte pumping between two streams with TCP half-close semantics.
 *
 * Why: both directions of every tunnel (workerd -> app port, app -> workerd egress) must forward
 * EOF as a half-close (workerd shuts down its write side when a request body ends) and tear both
 * sides down on any error, so no socket is leaked when one end vanishes.
 * Boundary: no protocol knowledge.
 */
import type { Duplex } from "node:stream";

export function destroyBoth(a: Duplex, b: Duplex): void {
  a.destroy();
  b.destroy();
}

/** Pumps a <-> b; `aHead`/`bHead` are bytes already read from a/b that must go first. */
export function splice(a: Duplex, b: Duplex, aHead?: Buffer, bHead?: Buffer): void {
  if (aHead && aHead.length > 0) b.write(aHead);
  if (bHead && bHead.length > 0) a.write(bHead);
  a.pipe(b);
  b.pipe(a);
  const fail = () => destroyBoth(a, b);
  a.on("error", fail);
  b.on("error", fail);
  // When both directions have ended, release the sockets (allowHalfOpen keeps them otherwise).
  let ended = 0;
  const onEnd = () => {
    if (++ended === 2) destroyBoth(a, b);
  };
  a.on("end", onEnd);
  b.on("end", onEnd);
  a.on("close", () => b.destroy());
  b.on("close", () => a.destroy());
  a.resume();
  b.resume();
}
