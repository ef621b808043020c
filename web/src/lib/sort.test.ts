import { describe, expect, it } from "vitest";
import { nextSort, sortRows } from "./sort";

const rows = [
  { v: "organic", c: 120 },
  { v: "paid_search", c: null },
  { v: "email", c: -40 },
  { v: "Direct", c: 120 },
  { v: "display", c: 300 },
];

describe("sortRows", () => {
  it("sorts numbers both ways with missing values last", () => {
    expect(sortRows(rows, (r) => r.c, "desc").map((r) => r.v)).toEqual([
      "display",
      "organic",
      "Direct",
      "email",
      "paid_search",
    ]);
    expect(sortRows(rows, (r) => r.c, "asc").map((r) => r.v)).toEqual([
      "email",
      "organic",
      "Direct",
      "display",
      "paid_search",
    ]);
  });

  it("sorts text case-insensitively", () => {
    expect(sortRows(rows, (r) => r.v, "asc").map((r) => r.v)).toEqual([
      "Direct",
      "display",
      "email",
      "organic",
      "paid_search",
    ]);
  });

  it("does not change the input", () => {
    const copy = [...rows];
    sortRows(rows, (r) => r.c, "asc");
    expect(rows).toEqual(copy);
  });
});

describe("nextSort", () => {
  it("starts numbers descending, text ascending, and flips on the same column", () => {
    expect(nextSort(null, "change")).toEqual({ key: "change", direction: "desc" });
    expect(nextSort(null, "value", true)).toEqual({ key: "value", direction: "asc" });
    expect(nextSort({ key: "change", direction: "desc" }, "change")).toEqual({ key: "change", direction: "asc" });
    expect(nextSort({ key: "change", direction: "asc" }, "share")).toEqual({ key: "share", direction: "desc" });
  });
});
