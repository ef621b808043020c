import { describe, expect, it } from "vitest";
import { completeSelection, latestWeek, parseSelection, weeksNewestFirst, writeSelection } from "./report-selection";

const options = {
  categories: ["electronics", "toys"],
  regions: ["europe", "north_america"],
  windows: ["WoW", "MoM", "QoQ", "YoY"],
  weeks: ["2026-W45", "2026-W47", "2026-W46"],
};

describe("parseSelection", () => {
  it("fills in defaults: first category and region, WoW, the latest week", () => {
    const out = parseSelection(new URLSearchParams(""), options);
    expect(out.selection).toEqual({ category: "electronics", region: "europe", window: "WoW", week: "2026-W47" });
    expect(out.defaulted).toBe(true);
    expect(out.outside).toEqual({});
  });

  it("takes every value from the URL", () => {
    const out = parseSelection(
      new URLSearchParams("category=toys&region=north_america&window=QoQ&week=2026-W45"),
      options,
    );
    expect(out.selection).toEqual({ category: "toys", region: "north_america", window: "QoQ", week: "2026-W45" });
    expect(out.defaulted).toBe(false);
  });

  it("keeps an out-of-scope value and names it, so the server's refusal is shown", () => {
    const out = parseSelection(new URLSearchParams("category=fashion"), options);
    expect(out.selection?.category).toBe("fashion");
    expect(out.outside).toEqual({ category: "fashion" });
  });

  it("has no selection when the user may see nothing", () => {
    const out = parseSelection(new URLSearchParams(""), { ...options, categories: [] });
    expect(out.selection).toBeNull();
  });
});

describe("writeSelection", () => {
  it("round-trips through the URL and keeps other parameters", () => {
    const selection = { category: "toys", region: "europe", window: "MoM" as const, week: "2026-W46" };
    const params = writeSelection(new URLSearchParams("tab=drivers&category=old"), selection);
    expect(params.toString()).toBe("category=toys&region=europe&window=MoM&week=2026-W46&tab=drivers");
    expect(parseSelection(params, options).selection).toEqual(selection);
  });
});

describe("weeks", () => {
  it("finds the latest week and sorts newest first", () => {
    expect(latestWeek(options.weeks)).toBe("2026-W47");
    expect(latestWeek([])).toBeNull();
    expect(weeksNewestFirst(options.weeks)).toEqual(["2026-W47", "2026-W46", "2026-W45"]);
  });
});

describe("completeSelection", () => {
  it("needs all four parameters", () => {
    expect(completeSelection(new URLSearchParams("category=toys&region=europe&window=WoW&week=2026-W47"))).toEqual({
      category: "toys",
      region: "europe",
      window: "WoW",
      week: "2026-W47",
    });
    expect(completeSelection(new URLSearchParams("category=toys&region=europe&window=WoW"))).toBeNull();
  });
});
