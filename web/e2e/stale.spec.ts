// When the report of a week cannot be made (here: its snapshot is not published), the backend serves the last good
// report of the same category × region × window, flagged stale with the reason; the page says so plainly.
import { expect, test } from "@playwright/test";
import { baseURL, categoryList, reviewPath, requireReports, signIn, userWithRole, waitForReport } from "./support/session";

function nextWeek(week: string): string {
  const [y, w] = week.split("-W").map(Number) as [number, number];
  return w >= 52 ? `${y + 1}-W01` : `${y}-W${String(w + 1).padStart(2, "0")}`;
}

test("a stale report is served with a banner that gives the reason", async ({ page }) => {
  requireReports();
  await signIn(page, await userWithRole(page, "leadership"));
  const list = await categoryList(page);
  const latest = [...list.weeks].sort().pop()!;
  const selection = { category: list.categories[0]!, region: list.regions[0]!, window: "WoW", week: latest };

  // the published week: a good report, archived by the backend
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  await waitForReport(page, selection);
  await expect(page.getByTestId("stale-banner")).toHaveCount(0);

  // the next week has no snapshot yet: the last good report, flagged
  const missing = nextWeek(latest);
  expect(list.weeks).not.toContain(missing);
  await page.goto(`${baseURL()}${reviewPath({ ...selection, week: missing })}`);
  const banner = page.getByTestId("stale-banner");
  await expect(banner).toBeVisible();
  await expect(banner).toContainText("This report is not up to date");
  await expect(banner).toContainText(`no snapshot is published for week ${missing}`);
  await expect(banner).toContainText(latest);
  await expect(page.locator("#filter-week option:checked")).toHaveText(`${missing} (not published)`);
  // the figures shown are the last good week's, and say so
  await expect(page.locator(".report-header__period")).toContainText(latest);
  await page.screenshot({ path: "test-results/e2e/screenshots/stale.png" });
});
