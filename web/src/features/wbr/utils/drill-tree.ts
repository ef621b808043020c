// The drill-down tree: the whole category × region at the root, each dimension's values below it, and under a
// value the finer breakdowns the report carries for that segment (the next level of its hierarchy, or another
// dimension within it). Built from the report's breakdowns by their parent path; no numbers are invented.
import type { Breakdown, BreakdownParent, BreakdownRow, PathStep } from "@/api/contract";

export interface DrillGroup {
  dimension: string;
  rows: DrillNode[];
}

export interface DrillNode {
  key: string;
  path: PathStep[];
  row: BreakdownRow;
  groups: DrillGroup[];
}

export function parentPath(parent: BreakdownParent): PathStep[] {
  if (parent === null || parent === undefined) {
    return [];
  }
  return Array.isArray(parent) ? parent : [parent];
}

export function pathKey(path: readonly PathStep[]): string {
  return [...path]
    .sort((a, b) => (a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : 0))
    .map((s) => `${s.dimension}=${s.value}`)
    .join("&");
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
  const byParent = new Map<string, Breakdown[]>();
  for (const b of breakdowns) {
    if (b.metric !== metric) {
      continue;
    }
    const k = pathKey(parentPath(b.parent));
    const list = byParent.get(k) ?? [];
    list.push(b);
    byParent.set(k, list);
  }
  const build = (path: PathStep[], depth: number): DrillGroup[] => {
    if (depth > 8) {
      return [];
    }
    return (byParent.get(pathKey(path)) ?? []).map((b) => ({
      dimension: b.dimension,
      rows: b.rows.map((row) => {
        const childPath = [...path, { dimension: b.dimension, value: row.value }];
        return { key: pathKey(childPath), path: childPath, row, groups: build(childPath, depth + 1) };
      }),
    }));
  };
  return build([], 0);
}
