/**
 * The fault matrix's table (bench/results/faults.md, and the README copy): one row per fault with the counts the
 * issue asks for, the verdict, and for failing rows what was lost. Boundary: pure formatting.
 */
import type { Machine } from "../../bench/lib/machine.js";
import type { FaultRow } from "./faults.js";

const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} x${v}`)
    .join(", ") || "-";

export function faultsTable(rows: readonly FaultRow[]): string {
  const head = [
    "fault",
    "sent",
    "succeeded",
    "failed, directed (codes)",
    "lost",
    "ran twice",
    "starts (overlapping)",
    "verdict",
  ];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const r of rows) {
    const verdict = r.skipped
      ? "skipped"
      : r.error
        ? `**ERROR**: ${r.error.slice(0, 160)}`
        : r.pass
          ? r.limit
            ? "**pass** (local limit, below)"
            : "**pass**"
          : "**FAIL**";
    lines.push(
      `| ${[
        r.title,
        r.skipped ? "-" : r.sent,
        r.skipped ? "-" : r.succeeded,
        r.skipped ? "-" : `${r.failedDirected} (${codes(r.codes)})`,
        r.skipped ? "-" : r.lost,
        r.skipped ? "-" : r.executedTwice,
        r.skipped ? "-" : `${r.starts} (${r.duplicateStarts})`,
        verdict,
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

export function faultsMarkdown(rows: readonly FaultRow[], m: Machine, wallSeconds: number): string {
  const s: string[] = [];
  s.push(`# Moorage fault matrix: ${m.date.slice(0, 10)}`, "");
  s.push(
    `Machine: ${m.nproc} cores, ${m.os}, Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, Docker ${m.docker}, ` +
      `moorage ${m.moorage}. Run: ${m.date}, ${wallSeconds.toFixed(0)} s wall. Real workerd (wrangler dev) and real ` +
      "containers; every request goes through Moorage's typed client (`get(id).fetch`). POSTs carry no Idempotency-Key.",
    "",
  );
  s.push(faultsTable(rows), "");
  s.push(
    "Counts: **succeeded** = 2xx with the whole, right body; **failed, directed** = an error carrying a Moorage code " +
      "(the object's `moorage-error`, or the client's thrown `code`), or a started stream ending with an explicit error; " +
      "**lost** = no answer within the fault's budget, an error without a code, a silently short body, or (for a fault " +
      "the instance recovers from) a request that failed although a retry was safe (a GET, or a POST refused before " +
      "delivery); **ran twice** = POSTs the app executed more than once (from the app's own log, across containers); " +
      "**overlapping** = a container of the instance started while another still ran. A row passes with 0 lost, 0 ran " +
      "twice and 0 overlapping (the herd also needs exactly 1 start and every request answered).",
    "",
  );
  s.push("## Per fault", "");
  for (const r of rows) {
    s.push(`- **${r.title}** (\`${r.id}\`): expected: ${r.expected}.`);
    if (r.skipped) {
      s.push(`  ${r.skipped}.`);
      continue;
    }
    if (r.error) s.push(`  Could not run: ${r.error}`);
    s.push(
      `  Injected: ${r.injected || "-"}; instance \`${r.instance}\`; per-request budget ${r.budgetMs} ms; slowest directed failure ${r.slowestFailureMs} ms.`,
    );
    if (r.limit) s.push(`  Local-engine limit: ${r.limit}`);
    for (const l of r.lostExamples) s.push(`  Lost: ${l}`);
  }
  s.push("");
  return s.join("\n");
}
