import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Finding, KpiTile } from "@/api/contract";
import { wbr } from "@/test/fixtures/wbr";
import { renderWith } from "@/test/render";
import { metricIndex } from "../utils/metrics";
import type { FigureContext } from "./figure-link";
import { SummaryPanel } from "./summary-panel";

function context(onOpenFinding = vi.fn()): FigureContext {
  return {
    findings: new Map<string, Finding>(wbr.findings.map((f) => [f.id, f])),
    tiles: new Map<string, KpiTile>([...wbr.kpis, ...wbr.derived].map((t) => [t.metric, t])),
    metrics: metricIndex(wbr),
    onOpenFinding,
  };
}

describe("the summary's figures", () => {
  it("turns every rendered figure into a link to its finding or KPI", () => {
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context()} />);
    const figures = screen.getAllByRole("button", { expanded: false }).filter((b) => b.className === "figure__button");
    expect(figures.map((b) => b.textContent)).toEqual(["$11,339", "6.6%", "1.3 pp", "1.3 pp", "64.6%"]);
    expect(figures.map((b) => b.getAttribute("data-finding-id") ?? b.getAttribute("data-metric"))).toEqual([
      "revenue",
      "revenue",
      "f-9c1e0b2d4f3a",
      "f-9c1e0b2d4f3a",
      "f-9c1e0b2d4f3a",
    ]);
    // the text around the figures is intact
    expect(screen.getByTestId("summary").textContent).toContain(
      "Revenue rose $11,339 (6.6%) while conversion fell 1.3 pp on mobile paid search.",
    );
  });

  it("shows the exact numbers of the finding on hover", async () => {
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context()} />);
    const figure = screen.getAllByRole("button", { name: /1\.3 pp: from finding 1/ })[0]!;
    await userEvent.hover(figure);
    const pop = screen.getByRole("dialog", { name: "Numbers behind 1.3 pp" });
    expect(within(pop).getByText("Conversion rate fell 1.3 pp in paid_search on mobile")).toBeTruthy();
    const row = within(pop).getByRole("row", { name: /Share of the total change/ });
    expect(within(row).getByText("64.6%")).toBeTruthy();
    expect(within(row).getByText("64.6")).toBeTruthy();
    await userEvent.unhover(figure);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("shows a KPI figure's tile numbers, with the cited field marked", async () => {
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context()} />);
    await userEvent.hover(screen.getByRole("button", { name: /^\$11,339: Revenue, change/ }));
    const pop = screen.getByRole("dialog");
    const hit = pop.querySelector(".numbers__hit");
    expect(hit?.textContent).toContain("Change");
    expect(hit?.textContent).toContain("11338.5");
  });

  it("pins the numbers on click and jumps to the finding", async () => {
    const onOpen = vi.fn();
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context(onOpen)} />);
    const figure = screen.getAllByRole("button", { name: /64\.6%/ })[0]!;
    await userEvent.click(figure);
    expect(figure.getAttribute("aria-expanded")).toBe("true");
    await userEvent.click(screen.getByRole("button", { name: "Go to finding #1" }));
    expect(onOpen).toHaveBeenCalledWith("f-9c1e0b2d4f3a");
  });

  it("closes a pinned popover with Escape", async () => {
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context()} />);
    const figure = screen.getAllByRole("button", { name: /64\.6%/ })[0]!;
    await userEvent.click(figure);
    fireEvent.keyDown(figure, { key: "Escape" });
    fireEvent.blur(figure);
    expect(figure.getAttribute("aria-expanded")).toBe("false");
  });

  it("says why there is no summary", () => {
    renderWith(<SummaryPanel summary={null} reason="the AI service is unavailable" ctx={context()} />);
    expect(screen.getByTestId("summary").textContent).toContain("No written summary for this report: the AI service is unavailable");
  });
});

describe("the finding's numbers", () => {
  it("mark the number the figure was rendered from", async () => {
    renderWith(<SummaryPanel summary={wbr.summary} reason={null} ctx={context()} />);
    await userEvent.hover(screen.getAllByRole("button", { name: /^64\.6%/ })[0]!);
    const hit = screen.getByRole("dialog").querySelector(".numbers__hit");
    expect(hit?.textContent).toContain("Share of the total change");
  });
});
