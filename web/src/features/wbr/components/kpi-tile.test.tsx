import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { derived, kpis, tile } from "@/test/fixtures/wbr";
import { renderWith } from "@/test/render";
import { groupTiles, KpiTile } from "./kpi-tile";

describe("KpiTile", () => {
  it("shows the value, the signed change in its unit and the relative change", () => {
    renderWith(<KpiTile tile={kpis[0]!} previousLabel="2026-W46" />);
    const t = screen.getByTestId("kpi-revenue");
    expect(t.textContent).toContain("$182.3K");
    expect(t.textContent).toContain("+$11,339");
    expect(t.textContent).toContain("(+6.6%)");
    expect(t.textContent).toContain("2026-W46: $171K");
  });

  it("says favourable or unfavourable in words and marks, not only colour", () => {
    renderWith(
      <>
        <KpiTile tile={kpis[0]!} previousLabel="prev" />
        <KpiTile tile={kpis[2]!} previousLabel="prev" />
      </>,
    );
    const revenue = screen.getByTestId("kpi-revenue");
    const returns = screen.getByTestId("kpi-returns");
    expect(revenue.querySelector(".change--favourable")).toBeTruthy();
    expect(revenue.textContent).toContain("favourable");
    expect(revenue.textContent).toContain("▲");
    // returns went up, and up is bad for returns
    expect(returns.querySelector(".change--unfavourable")).toBeTruthy();
    expect(returns.textContent).toContain("unfavourable");
    expect(returns.textContent).toContain("▲");
  });

  it("reports a percent metric's change in percentage points without a second percentage", () => {
    renderWith(<KpiTile tile={derived[0]!} previousLabel="prev" />);
    const t = screen.getByTestId("kpi-conversion_rate");
    expect(t.textContent).toContain("2.10%");
    expect(t.textContent).toContain("\u22120.24 pp");
    expect(t.textContent).not.toContain("10.3%");
    expect(t.textContent).toContain("Unusual change");
  });

  it("says a metric is not available instead of showing zero", () => {
    renderWith(<KpiTile tile={derived[1]!} previousLabel="prev" />);
    const t = screen.getByTestId("kpi-budget_utilisation");
    expect(t.textContent).toContain("Not available");
    expect(t.textContent).not.toMatch(/\d/);
  });

  it("is neutral for a neutral metric", () => {
    renderWith(<KpiTile tile={kpis[3]!} previousLabel="prev" />);
    expect(screen.getByTestId("kpi-spend").querySelector(".change--neutral")).toBeTruthy();
  });

  it("groups tiles by catalog group, additive before derived", () => {
    const groups: Record<string, string> = { spend: "marketing", revenue: "sales", aov: "sales" };
    const out = groupTiles(
      [tile({ metric: "spend", label: "S" }), tile({ metric: "revenue", label: "R" })],
      [tile({ metric: "aov", label: "A" }), tile({ metric: "x", label: "X" })],
      (m) => groups[m] ?? null,
    );
    expect(out.map((g) => [g.label, g.tiles.map((t) => t.metric)])).toEqual([
      ["Sales", ["revenue", "aov"]],
      ["Marketing", ["spend"]],
      [null, ["x"]],
    ]);
  });

  it("says when the week is off its trend and seasonality", () => {
    renderWith(<KpiTile tile={{ ...kpis[0]!, expected: 150000, anomaly_zscore: 4.2 }} previousLabel="prev" />);
    expect(screen.getByTestId("kpi-revenue").textContent).toContain("Off trend: expected $150K");
  });
});
