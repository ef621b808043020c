import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWith } from "@/test/render";
import { DataTable, type Column } from "./data-table";

interface Row {
  value: string;
  change: number | null;
}

const rows: Row[] = [
  { value: "organic", change: 9000 },
  { value: "paid_search", change: -3500 },
  { value: "email", change: null },
  { value: "social", change: 2000 },
];

const columns: Column<Row>[] = [
  { key: "value", header: "Traffic source", sortValue: (r) => r.value, render: (r) => r.value },
  { key: "change", header: "Change", numeric: true, sortValue: (r) => r.change, render: (r) => String(r.change ?? "n/a") },
];

function bodyOrder(): string[] {
  const table = screen.getByRole("table");
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((r) => within(r).getAllByRole("rowheader")[0]!.textContent ?? "");
}

describe("DataTable", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps the engine's order until a column is sorted, then sorts and says so", async () => {
    renderWith(<DataTable caption="Revenue by traffic source" rows={rows} columns={columns} rowKey={(r) => r.value} csvFileName="t.csv" />);
    expect(bodyOrder()).toEqual(["organic", "paid_search", "email", "social"]);
    const change = screen.getByRole("columnheader", { name: /Change/ });
    await userEvent.click(within(change).getByRole("button"));
    expect(change.getAttribute("aria-sort")).toBe("descending");
    expect(bodyOrder()).toEqual(["organic", "social", "paid_search", "email"]);
    await userEvent.click(within(change).getByRole("button"));
    expect(change.getAttribute("aria-sort")).toBe("ascending");
    expect(bodyOrder()).toEqual(["paid_search", "social", "organic", "email"]);
    const name = screen.getByRole("columnheader", { name: /Traffic source/ });
    await userEvent.click(within(name).getByRole("button"));
    expect(name.getAttribute("aria-sort")).toBe("ascending");
    expect(change.getAttribute("aria-sort")).toBe("none");
    expect(bodyOrder()).toEqual(["email", "organic", "paid_search", "social"]);
  });

  it("exports the rows in the order shown, with raw values", async () => {
    const blobs: Blob[] = [];
    vi.spyOn(URL, "createObjectURL").mockImplementation((b) => {
      blobs.push(b as Blob);
      return "blob:test";
    });
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    renderWith(<DataTable caption="Revenue by traffic source" rows={rows} columns={columns} rowKey={(r) => r.value} csvFileName="rev.csv" />);
    await userEvent.click(within(screen.getByRole("columnheader", { name: /Change/ })).getByRole("button"));
    await userEvent.click(screen.getByRole("button", { name: "Export Revenue by traffic source as CSV" }));
    expect(clicks).toEqual(["rev.csv"]);
    const text = await blobs[0]!.text();
    expect(text.replace(/^\ufeff/, "")).toBe(
      "Traffic source,Change\r\norganic,9000\r\nsocial,2000\r\npaid_search,-3500\r\nemail,\r\n",
    );
  });
});
