// The weekly review on demo data: filters change the report, a drill-down opens, CSV exports hold the rows of the
// table, feedback is stored.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { baseURL, categoryList, postJson, reviewPath, requireReports, signIn, userWithRole, waitForReport } from "./support/session";

interface Row {
  value: string;
  current: number | null;
  change: number | null;
  contribution: number | null;
}
interface Report {
  category: string;
  region: string;
  window: string;
  week: string;
  breakdowns: {
    dimension: string;
    parent: string | null;
    metric: string;
    rows: Row[];
    other: unknown;
    total: { current: number; previous: number; change: number };
  }[];
  findings: { id: string }[];
  periods: { previous: { first: string } };
  meta: { snapshot: string };
}

async function openFirstReport(page: Page) {
  requireReports();
  await signIn(page, await userWithRole(page, "leadership"));
  const list = await categoryList(page);
  const selection = {
    category: list.categories[0]!,
    region: list.regions.find((r) => r !== "all") ?? list.regions[0]!,
    window: "WoW",
    week: list.weeks[list.weeks.length - 1]!,
  };
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  await waitForReport(page, selection);
  return { list, selection };
}

test("changing a filter changes the URL and the report", async ({ page }) => {
  const { list, selection } = await openFirstReport(page);
  const before = await page.getByTestId("kpi-revenue").textContent();
  const period = await page.locator(".report-header__period").textContent();

  await page.getByLabel("Compare").selectOption("MoM");
  const mom = { ...selection, window: "MoM" };
  await waitForReport(page, mom);
  expect(new URL(page.url()).searchParams.get("window")).toBe("MoM");
  await expect(page.locator(".report-header__period")).not.toHaveText(period!);
  await expect(page.getByTestId("kpi-revenue")).not.toHaveText(before!);

  const other = list.categories[1];
  if (other) {
    await page.getByLabel("Category", { exact: true }).selectOption(other);
    await waitForReport(page, { ...mom, category: other });
    await expect(page.getByRole("heading", { level: 1 })).not.toContainText(/^$/);
  }

  // Back returns to the previous report
  await page.goBack();
  await waitForReport(page, other ? mom : selection);
});

test("the drill-down tree opens a segment into its next level", async ({ page }) => {
  await openFirstReport(page);
  const tree = page.getByTestId("drill-tree");
  // a segment with a next level, not a dimension; it may sit in a dimension shown collapsed at first
  const first = tree.locator("button.drill__toggle[aria-expanded=false]").first();
  const closedDimensions = tree.locator("button.drill__dim-toggle[aria-expanded=false]");
  while ((await first.count()) === 0 && (await closedDimensions.count()) > 0) {
    await closedDimensions.first().click();
  }
  await expect(first).toBeVisible();
  const id = await first.getAttribute("aria-controls");
  const toggle = tree.locator(`button[aria-controls="${id}"]`);
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  const children = page.locator(`#${id}`);
  await expect(children.locator(".drill__item").first()).toBeVisible();
  await expect(children.locator(".drill__dim").first()).not.toBeEmpty();
});

test("CSV export downloads the rows of the table", async ({ page }) => {
  const { selection } = await openFirstReport(page);
  const report = (await postJson(page, "/wbr", selection)).json as Report;
  const table = page.locator('[data-testid^="breakdown-"]').first();
  await table.scrollIntoViewIfNeeded();
  const [, metric, dimension] = (await table.getAttribute("data-testid"))!.match(/^breakdown-([a-z0-9_]+)-([a-z0-9_]+)$/)!;
  const breakdown = report.breakdowns.find((b) => b.metric === metric && b.dimension === dimension)!;

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    table.getByRole("button", { name: /as CSV$/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(
    `${selection.category}_${selection.region}_${selection.window}_${selection.week}_${breakdown.metric}_by_${breakdown.dimension}.csv`,
  );
  const text = readFileSync((await download.path())!, "utf8").replace(/^\ufeff/, "");
  const lines = text.trimEnd().split("\r\n");
  expect(lines[0]!.split(",").slice(0, 4)).toEqual([expect.any(String), "Current", "Previous", "Change"]);
  // header, one line per row, "Other" when values were folded, "Total"
  expect(lines).toHaveLength(1 + breakdown.rows.length + (breakdown.other ? 1 : 0) + 1);
  expect(lines[lines.length - 1]!.split(",").slice(0, 4)).toEqual([
    "Total",
    String(breakdown.total.current),
    String(breakdown.total.previous),
    String(breakdown.total.change),
  ]);
  const byValue = new Map(lines.slice(1).map((l) => [l.split(",")[0], l.split(",")]));
  for (const row of breakdown.rows) {
    const cells = byValue.get(row.value);
    expect(cells, `row ${row.value}`).toBeTruthy();
    expect(Number(cells![1])).toBe(row.current);
    expect(Number(cells![3])).toBe(row.change);
  }
});

test("feedback on the report and on a finding is stored", async ({ page }) => {
  await openFirstReport(page);
  const reportFeedback = page.getByRole("group", { name: "Feedback on this report" });
  await reportFeedback.getByRole("button", { name: "Useful", exact: true }).click();
  await reportFeedback.getByRole("textbox").fill("Clear drivers this week");
  const [stored] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/feedback") && r.request().method() === "POST"),
    reportFeedback.getByRole("button", { name: "Send feedback" }).click(),
  ]);
  expect(stored.ok()).toBe(true);
  await expect(page.getByTestId("feedback-done").first()).toBeVisible();

  const finding = page.getByTestId("finding").first();
  await finding.scrollIntoViewIfNeeded();
  await finding.getByRole("button", { name: "Not useful" }).click();
  const [storedFinding] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/feedback") && r.request().method() === "POST"),
    finding.getByRole("button", { name: "Send feedback" }).click(),
  ]);
  expect(storedFinding.ok()).toBe(true);
  const body = storedFinding.request().postDataJSON() as { target: string; finding_id: string; rating: string };
  expect(body).toMatchObject({ target: "finding", rating: "not_useful" });
  expect(body.finding_id).toBe(await finding.getAttribute("data-finding-id"));
  await expect(finding.getByTestId("feedback-done")).toBeVisible();

  // stored: read back from the backend's own database (state/app.db), when this run started the backend
  const dir = process.env.E2E_BACKEND_DIR;
  if (dir) {
    const q = spawnSync(
      "sqlite3",
      ["-json", join(dir, "state", "app.db"), "SELECT target, finding_id, rating, comment FROM feedback ORDER BY id DESC LIMIT 2"],
      { encoding: "utf8" },
    );
    expect(q.status, q.stderr).toBe(0);
    const rows = JSON.parse(q.stdout) as { target: string; finding_id: string | null; rating: string; comment: string | null }[];
    expect(rows).toEqual([
      { target: "finding", finding_id: body.finding_id, rating: "not_useful", comment: null },
      { target: "report", finding_id: null, rating: "useful", comment: "Clear drivers this week" },
    ]);
  }
});

test("a figure of the summary shows the finding's exact numbers", async ({ page }) => {
  await openFirstReport(page);
  const figure = page.locator(".figure__button[data-finding-id]").first();
  test.skip((await figure.count()) === 0, "this report has no summary figure linked to a finding");
  await figure.hover();
  const pop = page.getByRole("dialog", { name: /Numbers behind/ });
  await expect(pop).toBeVisible();
  await expect(pop.locator("table.numbers tbody tr").first()).toBeVisible();
  await figure.click();
  await pop.getByRole("button", { name: /Go to finding/ }).click();
  const id = await figure.getAttribute("data-finding-id");
  await expect(page.locator(`#finding-${id}`)).toBeFocused();
});
