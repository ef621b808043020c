import { describe, expect, it } from "vitest";
import type { Breakdown, BreakdownRow } from "@/api/contract";
import { breakdowns } from "@/test/fixtures/wbr";
import { breakdownMetrics, buildDrillTree } from "./drill-tree";

const row = (value: string, parent_value?: string): BreakdownRow => ({
  value,
  parent_value,
  current: 1,
  previous: 1,
  change: 0,
  change_pct: 0,
  contribution: 0,
  contribution_pct: 0,
  share_current: 0,
  share_previous: 0,
  share_shift_pp: 0,
});
const bd = (dimension: string, parent: string | null, rows: BreakdownRow[]): Breakdown => ({
  dimension,
  parent,
  metric: "m",
  total: { current: 1, previous: 1, change: 0 },
  rows,
  other: null,
});

describe("buildDrillTree", () => {
  it("puts top-level breakdowns at the root and a hierarchy's next level under its parent value", () => {
    const tree = buildDrillTree(breakdowns, "revenue");
    expect(tree.map((g) => g.dimension)).toEqual(["traffic_l1", "device_type"]);
    const paid = tree[0]?.rows.find((r) => r.row.value === "paid_search");
    expect(paid?.groups.map((g) => g.dimension)).toEqual(["traffic_l2"]);
    expect(paid?.groups[0]?.rows.map((r) => r.row.value)).toEqual(["google_ads", "bing_ads"]);
    expect(paid?.groups[0]?.rows[0]?.path).toEqual([
      { dimension: "traffic_l1", value: "paid_search" },
      { dimension: "traffic_l2", value: "google_ads" },
    ]);
    const organic = tree[0]?.rows.find((r) => r.row.value === "organic");
    expect(organic?.groups).toEqual([]);
  });

  it("goes down three levels: region → country → city", () => {
    const tree = buildDrillTree(
      [
        bd("city", "country", [row("Chicago", "US"), row("Toronto", "CA"), row("Denver", "US")]),
        bd("country", null, [row("US"), row("CA")]),
      ],
      "m",
    );
    expect(tree.map((g) => g.dimension)).toEqual(["country"]);
    const us = tree[0]!.rows[0]!;
    expect(us.groups[0]!.rows.map((r) => r.row.value)).toEqual(["Chicago", "Denver"]);
    expect(tree[0]!.rows[1]!.groups[0]!.rows.map((r) => r.row.value)).toEqual(["Toronto"]);
  });

  it("keeps only the chosen metric", () => {
    expect(buildDrillTree(breakdowns, "orders")).toEqual([]);
    expect(breakdownMetrics(breakdowns)).toEqual(["revenue"]);
  });
});
