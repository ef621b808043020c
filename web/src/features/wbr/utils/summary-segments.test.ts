import { describe, expect, it } from "vitest";
import type { FigureSpan } from "@/api/contract";
import { segmentText, spansFor } from "./summary-segments";

function span(start: number, end: number, text: string, extra: Partial<FigureSpan> = {}): FigureSpan {
  return {
    part: "bullet",
    index: 0,
    start,
    end,
    text,
    finding_id: "f-000000000001",
    metric: "revenue",
    field: "change",
    value: 1,
    ...extra,
  };
}

describe("segmentText", () => {
  const text = "Revenue rose $11,339 (6.6%) while conversion fell 1.3 pp.";

  it("cuts the text at every figure, in order", () => {
    const segs = segmentText(text, [
      span(50, 56, "1.3 pp", { finding_id: "f-000000000002" }),
      span(13, 20, "$11,339"),
      span(22, 26, "6.6%", { field: "change_pct" }),
    ]);
    expect(segs.map((s) => (s.kind === "figure" ? `[${s.text}]` : s.text)).join("")).toBe(
      "Revenue rose [$11,339] ([6.6%]) while conversion fell [1.3 pp].",
    );
    const figs = segs.filter((s) => s.kind === "figure");
    expect(figs.map((s) => (s.kind === "figure" ? s.span.finding_id : null))).toEqual([
      "f-000000000001",
      "f-000000000001",
      "f-000000000002",
    ]);
  });

  it("finds a figure whose offsets are off (e.g. counted in bytes) by its text", () => {
    const segs = segmentText("Sales in \u20ac rose \u20ac1,500.", [span(17, 23, "\u20ac1,500")]);
    expect(segs).toHaveLength(3);
    expect(segs[1]).toMatchObject({ kind: "figure", text: "\u20ac1,500" });
  });

  it("drops a span whose figure is not in the text", () => {
    const segs = segmentText("Nothing to see.", [span(0, 4, "42%")]);
    expect(segs).toEqual([{ kind: "text", text: "Nothing to see." }]);
  });

  it("does not link overlapping spans twice", () => {
    const segs = segmentText("Up 6.6% today", [span(3, 7, "6.6%"), span(4, 7, ".6%")]);
    expect(segs.filter((s) => s.kind === "figure")).toHaveLength(1);
  });

  it("returns the whole text when there is no figure", () => {
    expect(segmentText("Flat week.", [])).toEqual([{ kind: "text", text: "Flat week." }]);
  });
});

describe("spansFor", () => {
  it("keeps the spans of one part and index", () => {
    const figures = [span(0, 1, "1"), span(0, 1, "1", { index: 1 }), span(0, 1, "1", { part: "headline" })];
    expect(spansFor(figures, "bullet", 1)).toHaveLength(1);
    expect(spansFor(figures, "headline", 0)).toHaveLength(1);
    expect(spansFor(undefined, "bullet", 0)).toEqual([]);
  });
});
