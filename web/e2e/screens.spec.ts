// Screenshots of the main pages (kept as test artifacts in test-results/e2e/screenshots/) and an axe-core audit of
// each: no serious or critical accessibility violation.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { baseURL, categoryList, reviewPath, requireReports, signIn, userWithRole, waitForReport } from "./support/session";

const SHOTS = "test-results/e2e/screenshots";

async function audit(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`),
    `${name}: serious or critical accessibility violations`,
  ).toEqual([]);
}

test("sign-in page", async ({ page }) => {
  await page.goto(`${baseURL()}/review`);
  await expect(page.locator('[data-testid^="dev-user-"]').first()).toBeVisible();
  await audit(page, "sign-in");
});

test("usage page", async ({ page }) => {
  await signIn(page, await userWithRole(page, "leadership"), "/credits");
  await expect(page.getByTestId("usage")).toBeVisible();
  await audit(page, "usage");
});

test("weekly review page: screen, laptop and print", async ({ page }) => {
  requireReports();
  await signIn(page, await userWithRole(page, "leadership"));
  const list = await categoryList(page);
  const selection = { category: list.categories[0]!, region: list.regions[0]!, window: "WoW", week: list.weeks[list.weeks.length - 1]! };
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  await waitForReport(page, selection);
  await page.locator(".figure__button").first().hover().catch(() => undefined);
  await audit(page, "review");

  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  await waitForReport(page, selection);
  await page.screenshot({ path: `${SHOTS}/review-laptop.png` });

  await page.emulateMedia({ media: "print" });
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  await waitForReport(page, selection);
  await page.screenshot({ path: `${SHOTS}/review-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });
});

test("refusal page", async ({ page }) => {
  await signIn(page, await userWithRole(page, "category_manager"));
  const list = await categoryList(page);
  await page.goto(`${baseURL()}/review?category=not-yours&region=${list.regions[0]}&window=WoW&week=${list.weeks[0]}`);
  await expect(page.getByRole("alert")).toBeVisible();
  await audit(page, "refusal");
});
