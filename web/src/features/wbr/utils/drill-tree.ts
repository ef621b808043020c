// The drill-down tree: the whole category × region at the root, each dimension's values below it, and under a value
// the next level of its hierarchy (traffic source → traffic source L2 → campaign; region → country → city), as the
// report's breakdowns carry them: a level's breakdown names its parent dimension, each row its parent value.
// No number is invented: a node shows its breakdown row.
import type { Breakdown, BreakdownRow, PathStep } from "@/api/contract";

export interface DrillGroup {
  dimension: string;
  rows: DrillNode[];
  /** Values folded into "other" by the report (rows are capped). */
  other: number;
}

export interface DrillNode {
  key: string;
  path: PathStep[];
  row: BreakdownRow;
  groups: DrillGroup[];
}

export function pathKey(path: readonly PathStep[]): string {
  return path.map((s) => `${s.dimension}=${s.value}`).join("&");
}

/** The metrics that have breakdowns, in report order. */
export function breakdownMetrics(breakdowns: readonly Breakdown[]): string[] {
  const out: string[] = [];
  for (const b of breakdowns) {
    if (!out.includes(b.metric)) {
      out.push(b.metric);
    }
  }
  return out;
}

export function buildDrillTree(breakdowns: readonly Breakdown[], metric: string): DrillGroup[] {
  const mine = breakdowns.filter((b) => b.metric === metric);
  const childrenOf = (dimension: string) => mine.filter((b) => b.parent === dimension);
  const build = (b: Breakdown, path: PathStep[], parentValue: string | null, depth: number): DrillGroup => {
    const rows = parentValue === null ? b.rows : b.rows.filter((r) => r.parent_value === parentValue);
    return {
      dimension: b.dimension,
      other: parentValue === null ? (b.other?.values ?? 0) : 0,
      rows: rows.map((row) => {
        const childPath = [...path, { dimension: b.dimension, value: row.value }];
        const groups =
          depth >= 6
            ? []
            : childrenOf(b.dimension)
                .map((c) => build(c, childPath, row.value, depth + 1))
                .filter((g) => g.rows.length > 0);
        return { key: pathKey(childPath), path: childPath, row, groups };
      }),
    };
  };
  return byConcentration(
    mine.filter((b) => b.parent === null),
    (b) => b.rows,
  ).map((b) => build(b, [], null, 0));
}

/** How much of the change one value of the breakdown carries: the largest |contribution| of its rows. Every
 * dimension's contributions add up to the same total change, so the dimension with the largest single contribution
 * is the one that explains the change most plainly. */
export function concentration(rows: readonly { contribution: number | null }[]): number {
  let m = 0;
  for (const r of rows) {
    m = Math.max(m, Math.abs(r.contribution ?? 0));
  }
  return m;
}

/** Breakdowns (or tree groups) with the most concentrated change first; ties keep the report's order. */
export function byConcentration<T>(items: readonly T[], rowsOf: (item: T) => readonly { contribution: number | null }[]): T[] {
  return items
    .map((item, i) => ({ item, i, c: concentration(rowsOf(item)) }))
    .sort((a, b) => b.c - a.c || a.i - b.i)
    .map((x) => x.item);
}
