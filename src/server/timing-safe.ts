/**
 * Constant-time string comparison for secrets. Compares UTF-8 bytes over the longer of the two lengths with no
 * early exit, so the time taken reveals neither where two tokens first differ nor whether their lengths match.
 * Pure JavaScript: the same code in workerd, Node, Bun and Deno (workerd's `crypto.subtle.timingSafeEqual`
 * is not available in the others and rejects unequal lengths outright).
 */

const encoder = new TextEncoder();

/** Whether `a` and `b` are equal, in time that depends only on the longer length. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  // Zero-padded copies of equal length: the loop below then has no branches and no out-of-range reads.
  const x = new Uint8Array(length);
  const y = new Uint8Array(length);
  x.set(left);
  y.set(right);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}
