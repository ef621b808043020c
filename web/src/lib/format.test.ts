import { describe, expect, it } from "vitest";
import {
  formatChange,
  formatPercentChange,
  formatShare,
  formatValue,
  NOT_AVAILABLE,
  parseFormat,
  pathLabel,
  valueLabel,
} from "./format";

describe("formatValue", () => {
  it("formats currency with the catalog's decimals", () => {
    expect(formatValue(182340.5, "currency", "currency0")).toBe("$182,341");
    expect(formatValue(12.345, "currency", "currency2")).toBe("$12.35");
    expect(formatValue(-1200, "currency", "currency0")).toBe("\u2212$1,200");
  });

  it("uses the report currency when given", () => {
    expect(formatValue(1500, "currency", "currency0", { currency: "EUR" })).toBe("\u20ac1,500");
  });

  it("shortens large values only when asked", () => {
    expect(formatValue(182340.5, "currency", "currency0", { compact: true })).toBe("$182.3K");
    expect(formatValue(2_450_000, "count", "count0", { compact: true })).toBe("2.5M");
    expect(formatValue(950, "count", "count0", { compact: true })).toBe("950");
  });

  it("formats percent, count, index and ratio metrics", () => {
    expect(formatValue(3.4123, "percent", "percent1")).toBe("3.4%");
    expect(formatValue(12345, "count", "count0")).toBe("12,345");
    expect(formatValue(104.25, "index", "index1")).toBe("104.3");
    expect(formatValue(4.2, "ratio", "ratio2")).toBe("4.20\u00d7");
  });

  it("shows n/a for a metric that is not available, never 0", () => {
    expect(formatValue(null, "currency", "currency0")).toBe(NOT_AVAILABLE);
    expect(formatValue(undefined, "percent", "percent1")).toBe(NOT_AVAILABLE);
    expect(formatValue(Number.NaN, "count", "count0")).toBe(NOT_AVAILABLE);
  });

  it("falls back to the unit's precision on an unknown format", () => {
    expect(parseFormat("weird", "ratio")).toEqual({ unit: "ratio", decimals: 2 });
    expect(parseFormat("percent3", "currency")).toEqual({ unit: "currency", decimals: 0 });
    expect(formatValue(2.34567, "percent", null)).toBe("2.3%");
  });
});

describe("formatChange", () => {
  it("reports a percent metric's change in percentage points", () => {
    expect(formatChange(-1.3, "pp", "percent1")).toBe("\u22121.3 pp");
    expect(formatChange(0.25, "pp", "percent2")).toBe("+0.25 pp");
  });

  it("signs currency, count, ratio and index changes", () => {
    expect(formatChange(11338.5, "currency", "currency0")).toBe("+$11,339");
    expect(formatChange(-420, "count", "count0")).toBe("\u2212420");
    expect(formatChange(0.35, "ratio", "ratio2")).toBe("+0.35\u00d7");
    expect(formatChange(-2.14, "index", "index1")).toBe("\u22122.1 pts");
  });

  it("does not sign a change that rounds to zero", () => {
    expect(formatChange(0.004, "pp", "percent1")).toBe("0.0 pp");
    expect(formatChange(-0.2, "currency", "currency0")).toBe("$0");
  });

  it("shows n/a for a missing change", () => {
    expect(formatChange(null, "pp", "percent1")).toBe(NOT_AVAILABLE);
  });
});

describe("relative changes and shares", () => {
  it("signs relative changes with one decimal", () => {
    expect(formatPercentChange(6.634)).toBe("+6.6%");
    expect(formatPercentChange(-38.2)).toBe("\u221238.2%");
    expect(formatPercentChange(null)).toBe(NOT_AVAILABLE);
  });

  it("formats shares without a sign", () => {
    expect(formatShare(42.06)).toBe("42.1%");
  });
});

describe("labels", () => {
  it("names a dimension path readably", () => {
    expect(
      pathLabel([
        { dimension: "device_type", value: "mobile" },
        { dimension: "traffic_l1", value: "paid_search" },
      ]),
    ).toBe("Device: Mobile \u203a Traffic source: Paid search");
    expect(pathLabel([])).toBe("All");
  });

  it("keeps country codes as they are", () => {
    expect(valueLabel("US")).toBe("US");
    expect(valueLabel("north_america")).toBe("North america");
    expect(valueLabel("seo_google")).toBe("SEO Google");
    expect(valueLabel("ios")).toBe("iOS");
    expect(valueLabel("crm_abandoned_cart")).toBe("CRM abandoned cart");
  });
});
