import { describe, expect, it } from "vitest";
import { wbr } from "@/test/fixtures/wbr";
import { exactNumber, formatNamedNumber, metricIndex, metricInfo } from "./metrics";

const index = metricIndex(wbr);

describe("named numbers of a finding", () => {
  const conv = metricInfo(index, "conversion_rate");
  const revenue = metricInfo(index, "revenue");

  it("shows levels in the metric's unit and changes in its change unit", () => {
    expect(formatNamedNumber("current", 2.1, conv)).toBe("2.10%");
    expect(formatNamedNumber("change", -1.3, conv)).toBe("\u22121.30 pp");
    expect(formatNamedNumber("contribution", 9000, revenue)).toBe("+$9,000");
    expect(formatNamedNumber("mix_effect", -0.2, conv)).toBe("\u22120.20 pp");
  });

  it("shows shares, relative changes and shifts in percent", () => {
    expect(formatNamedNumber("share_of_change", 64.6, conv)).toBe("64.6%");
    expect(formatNamedNumber("change_pct", -38.2, conv)).toBe("\u221238.2%");
    expect(formatNamedNumber("share_shift_pp", 2.4, revenue)).toBe("+2.4 pp");
    expect(formatNamedNumber("market_growth_pct", 3.1, revenue)).toBe("+3.1%");
    expect(formatNamedNumber("utilisation_pct", 81.7, revenue)).toBe("81.7%");
  });

  it("shows money fields as currency and scores plainly", () => {
    expect(formatNamedNumber("budget", 30000, conv)).toBe("$30,000");
    expect(formatNamedNumber("zscore", -4.123, conv)).toBe("-4.12");
  });

  it("knows the engine's pacing, anomaly and market names", () => {
    expect(formatNamedNumber("projected_over_under", -1200, conv)).toBe("\u2212$1,200");
    expect(formatNamedNumber("projection_z", 2.5, conv)).toBe("2.50");
    expect(formatNamedNumber("weeks_elapsed", 7, conv)).toBe("7");
    expect(formatNamedNumber("pulse_current", 104.25, conv)).toBe("104.3");
    expect(formatNamedNumber("projected_utilisation_pct", 112.4, conv)).toBe("112.4%");
    expect(formatNamedNumber("anomaly_deviation_pct", -12.5, conv)).toBe("\u221212.5%");
    expect(formatNamedNumber("deviation", -0.5, conv)).toBe("\u22120.50 pp");
  });

  it("keeps the exact value as the server sent it", () => {
    expect(exactNumber(182340.123456)).toBe("182340.123456");
    expect(exactNumber(null)).toBe("not available");
  });

  it("knows a metric the report has no tile for by its id", () => {
    expect(metricInfo(index, "add_to_carts").label).toBe("Add to carts");
  });
});
