/**
 * Prints one closing line per vitest project (`unit: 512 passed, 0 failed, 0 skipped`) and a total
 * (`tests: N passed, N failed`), so a CI log says plainly how many real-container tests ran rather than
 * leaving it to be inferred from a mixed summary.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byProject = new Map<string, { passed: number; failed: number; skipped: number }>();
    for (const module of testModules) {
      const name = module.project.name || "default";
      const counts = byProject.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
      byProject.set(name, counts);
    }
    const total = { passed: 0, failed: 0, skipped: 0 };
    console.log("");
    for (const [name, c] of [...byProject].sort()) {
      const label = name === "real" ? "real-container tests" : `${name} tests`;
      console.log(`${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
    }
    console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  }
}
