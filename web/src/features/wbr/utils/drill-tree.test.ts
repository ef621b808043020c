import { describe, expect, it } from "vitest";
import { breakdowns } from "@/test/fixtures/wbr";
import { breakdownMetrics, buildDrillTree, pathKey } from "./drill-tree";

describe("buildDrillTree", () => {
  it("puts top-level breakdowns at the root and finer ones under their parent value", () => {
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

  it("keeps only the chosen metric", () => {
    expect(buildDrillTree(breakdowns, "orders")).toEqual([]);
    expect(breakdownMetrics(breakdowns)).toEqual(["revenue"]);
  });

  it("matches a parent given as a path in any order", () => {
    const tree = buildDrillTree(
      [
        { dimension: "device_type", parent: null, metric: "m", rows: [{ value: "mobile" } as never] },
        {
          dimension: "country",
          parent: [{ dimension: "device_type", value: "mobile" }],
          metric: "m",
          rows: [{ value: "US" } as never],
        },
      ],
      "m",
    );
    expect(tree[0]?.rows[0]?.groups[0]?.rows[0]?.key).toBe(
      pathKey([
        { dimension: "country", value: "US" },
        { dimension: "device_type", value: "mobile" },
      ]),
    );
  });
});
