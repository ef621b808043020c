import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { WbrDocument } from "@/api/contract";
import { wbr } from "@/test/fixtures/wbr";
import { renderWith } from "@/test/render";
import { findingsCsv } from "./findings-list";
import { ReportView } from "./report-view";

const selection = { category: "electronics", region: "north_america", window: "WoW" as const, week: "2026-W47" };

function view(doc: WbrDocument = wbr) {
  return renderWith(
    <ReportView doc={doc} selection={selection} regionLabel={(r) => r} windowLabel={(w) => w} />,
  );
}

describe("ReportView", () => {
  it("shows every section of the review", () => {
    view();
    for (const name of ["Summary", "Key metrics", "Drivers of the change", "Breakdowns", "Market pulse vs our trend", "Marketing efficiency and budget", "Findings"]) {
      expect(screen.getByRole("heading", { level: 2, name })).toBeTruthy();
    }
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Electronics · north_america");
    expect(screen.getAllByTestId("finding")).toHaveLength(2);
    expect(screen.getByTestId("market-verdict").textContent).toContain("faster than the market (+3.5 pp)");
    expect(screen.queryByTestId("stale-banner")).toBeNull();
  });

  it("shows the stale banner with its reason when the server serves a stale report", () => {
    view({ ...wbr, meta: { ...wbr.meta, stale: true, reasons: ["the warehouse has no snapshot for 2026-W48 yet"] } });
    const banner = screen.getByTestId("stale-banner");
    expect(banner.textContent).toContain("This report is not up to date");
    expect(banner.textContent).toContain("Reason: the warehouse has no snapshot for 2026-W48 yet.");
    expect(banner.textContent).toContain("2026-W47.039214c4275b3b5e");
  });

  it("shows the degraded banner with structured reasons", () => {
    view({ ...wbr, meta: { ...wbr.meta, degraded: true, reasons: [{ code: "ai_unavailable", message: "the summary service timed out" }] } });
    expect(screen.getByTestId("degraded-banner").textContent).toContain("the summary service timed out");
  });

  it("opens the drill-down to the next level", async () => {
    view();
    const tree = screen.getByTestId("drill-tree");
    expect(within(tree).queryByText("Google ads")).toBeNull();
    const toggle = within(tree).getByRole("button", { name: /Paid search/ });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await userEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(within(tree).getByText("Google ads")).toBeTruthy();
    expect(within(tree).getByText("Traffic source L2")).toBeTruthy();
  });

  it("renders a report with nothing but tiles calmly", () => {
    view({ ...wbr, breakdowns: [], findings: [], summary: null, market_pulse: null, marketing: null, decompositions: null });
    expect(screen.getByText("No material change this period")).toBeTruthy();
    expect(screen.getByText("No market pulse for this category")).toBeTruthy();
    expect(screen.getByText("No marketing data for this report")).toBeTruthy();
    expect(screen.getByText("No driver breakdowns in this report")).toBeTruthy();
  });
});

describe("findingsCsv", () => {
  it("has one line per finding with its path and every number", () => {
    const lines = findingsCsv(wbr.findings).trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      "rank,id,type,metric,window,path,direction,favourable,impact,impact_unit,significance_level,significance_score,value_at_stake,explains,title,current,previous,change,change_pct,share_of_change",
    );
    expect(lines[1]).toBe(
      "1,f-9c1e0b2d4f3a,root_cause,conversion_rate,WoW,device_type=mobile;traffic_l1=paid_search,down,false,-0.84,pp,high,4.1,,,Conversion rate fell 1.3 pp in paid_search on mobile,2.1,3.4,-1.3,-38.2,64.6",
    );
  });
});
