import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { LocationProbe, renderWith } from "@/test/render";
import { readCategoryList } from "../api/get-category-list";
import { useReportSelection } from "../hooks/use-report-selection";
import { FilterBar } from "./filter-bar";

const list = readCategoryList({
  categories: ["electronics", "toys"],
  regions: ["europe", { id: "north_america", label: "North America" }],
  windows: ["WoW", "MoM", "QoQ", "YoY"],
  weeks: ["2026-W46", "2026-W47"],
});

function Harness({ onSearch }: { onSearch: (s: string) => void }) {
  const { selection, outside, setSelection } = useReportSelection(list);
  return (
    <>
      <LocationProbe onChange={onSearch} />
      {selection ? <FilterBar list={list} selection={selection} outside={outside} onChange={setSelection} /> : null}
    </>
  );
}

describe("filters and the URL", () => {
  it("writes the defaults into the URL", () => {
    let search = "";
    renderWith(<Harness onSearch={(s) => (search = s)} />, { url: "/review" });
    expect(search).toBe("?category=electronics&region=europe&window=WoW&week=2026-W47");
    expect(screen.getByLabelText("Category")).toHaveProperty("value", "electronics");
    expect(screen.getByLabelText("Week")).toHaveProperty("value", "2026-W47");
  });

  it("shows the selection of the URL and changes the URL when a filter changes", async () => {
    let search = "";
    renderWith(<Harness onSearch={(s) => (search = s)} />, {
      url: "/review?category=toys&region=north_america&window=MoM&week=2026-W46",
    });
    expect(screen.getByLabelText("Region")).toHaveProperty("value", "north_america");
    expect(screen.getByRole("option", { name: "North America" })).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText("Compare"), "YoY");
    expect(search).toBe("?category=toys&region=north_america&window=YoY&week=2026-W46");
    await userEvent.selectOptions(screen.getByLabelText("Category"), "electronics");
    expect(search).toBe("?category=electronics&region=north_america&window=YoY&week=2026-W46");
  });

  it("marks a value from a shared link that is outside the user's scope", () => {
    renderWith(<Harness onSearch={() => undefined} />, { url: "/review?category=fashion" });
    expect(screen.getByLabelText("Category")).toHaveProperty("value", "fashion");
    expect(screen.getByRole("option", { name: "Fashion (not in your scope)" })).toBeTruthy();
  });

  it("offers the newest week first", () => {
    renderWith(<Harness onSearch={() => undefined} />, { url: "/review" });
    const weeks = screen.getAllByRole("option").filter((o) => /^2026-W/.test(o.textContent ?? ""));
    expect(weeks.map((o) => o.textContent)).toEqual(["2026-W47", "2026-W46"]);
  });
});

describe("labels", () => {
  it("names regions as people write them", async () => {
    const { regionLabel, windowLabel } = await import("./filter-bar");
    expect(regionLabel("all")).toBe("All regions");
    expect(regionLabel("uk_ireland")).toBe("UK & Ireland");
    expect(regionLabel("asia_pacific")).toBe("Asia Pacific");
    expect(windowLabel("QoQ")).toBe("13 weeks vs previous 13");
  });
});
