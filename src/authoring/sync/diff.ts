/**
 * A small unified line diff, so `sync --check` can show what would change without a dependency.
 * Wrangler configs are a few hundred lines at most, so the quadratic LCS is fine.
 */

/** Unified diff of `before` -> `after` with 3 lines of context; empty string when equal. */
export function unifiedDiff(before: string, after: string, label: string): string {
  if (before === after) return "";
  const a = lines(before);
  const b = lines(after);
  const ops = lineOps(a, b);
  const context = 3;
  const out: string[] = [`--- ${label}`, `+++ ${label} (moorage sync)`];
  // Each change shows `context` lines around it; overlapping windows merge into one hunk.
  const ranges: Array<[number, number]> = [];
  ops.forEach((o, k) => {
    if (o.kind === " ") return;
    const from = Math.max(0, k - context);
    const to = Math.min(ops.length, k + context + 1);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = to;
    else ranges.push([from, to]);
  });
  for (const [from, to] of ranges) {
    const hunk = ops.slice(from, to);
    const aStart = (hunk[0]?.aLine ?? 0) + 1;
    const bStart = (hunk[0]?.bLine ?? 0) + 1;
    const aLen = hunk.filter((o) => o.kind !== "+").length;
    const bLen = hunk.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
  }
  return `${out.join("\n")}\n`;
}

interface LineOp {
  kind: " " | "-" | "+";
  text: string;
  aLine: number;
  bLine: number;
}

function lineOps(a: string[], b: string[]): LineOp[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i]!, aLine: i++, bLine: j++ });
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: "-", text: a[i]!, aLine: i++, bLine: j });
    } else {
      ops.push({ kind: "+", text: b[j]!, aLine: i, bLine: j++ });
    }
  }
  return ops;
}

/** Lines without the empty string `split` yields after a final newline. */
function lines(text: string): string[] {
  const all = text.split(/\r?\n/);
  if (all[all.length - 1] === "") all.pop();
  return all;
}
