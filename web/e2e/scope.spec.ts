// The server is the authority on access; the UI shows its refusal clearly and shows nothing of the report.
import { expect, test } from "@playwright/test";
import { baseURL, categoryList, me, postJson, reviewPath, signIn, userWithRole } from "./support/session";

const ALL_CATEGORIES = ["electronics", "fashion", "home", "beauty", "grocery", "toys", "sports", "books", "auto", "pets"];

test("a category manager opening another category's link is refused, clearly", async ({ page }) => {
  await signIn(page, await userWithRole(page, "category_manager"));
  const who = await me(page);
  expect(who.role).toBe("category_manager");
  const list = await categoryList(page);
  const other = ALL_CATEGORIES.find((c) => !list.categories.includes(c))!;
  const selection = { category: other, region: list.regions[0]!, window: "WoW", week: list.weeks[list.weeks.length - 1]! };

  // the API refuses it …
  const api = await postJson(page, "/wbr", selection);
  expect(api.status).toBe(403);

  // … and the page says so, without any of the report
  await page.goto(`${baseURL()}${reviewPath(selection)}`);
  const refusal = page.getByTestId("report-refused");
  await expect(refusal).toBeVisible();
  await expect(refusal.getByRole("alert")).toContainText("You do not have access to this report");
  await expect(page.getByTestId("report")).toHaveCount(0);
  await expect(page.locator("#filter-category")).toHaveValue(other);
  await expect(page.locator("#filter-category option:checked")).toContainText("not in your scope");

  // the way back leads to a report they can read
  if (process.env.E2E_REPORTS === "0") {
    return;
  }
  await refusal.getByRole("link", { name: "Open a report you can read" }).click();
  await expect(page.getByTestId("report")).toHaveAttribute("data-ready", "true");
  expect(list.categories).toContain(new URL(page.url()).searchParams.get("category"));
});
