// Sign-in, scope and sign-out for every development user the backend offers on its sign-in page.
import { expect, test } from "@playwright/test";
import { baseURL, categoryList, me } from "./support/session";

test("a signed-out visitor gets the sign-in page, and signing in returns to the address they opened", async ({ page }) => {
  await page.goto(`${baseURL()}/review?window=MoM`);
  await expect(page.getByRole("heading", { name: "Weekly business review" })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe("/review");
  const first = page.locator('[data-testid^="dev-user-"]').first();
  await expect(first).toHaveAttribute("href", /&next=%2Freview%3Fwindow%3DMoM$/);
  await first.click();
  await expect(page.getByTestId("user-name")).toBeVisible();
  await expect(page.getByLabel("Compare")).toHaveValue("MoM");
  expect(new URL(page.url()).searchParams.get("window")).toBe("MoM");
});

test("every dev user signs in, sees only their scope, and signs out", async ({ page }) => {
  await page.goto(`${baseURL()}/review`);
  const links = page.locator('[data-testid^="dev-user-"]');
  await expect(links.first()).toBeVisible();
  const users = await links.evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")!.slice("dev-user-".length)));
  expect(users.length).toBeGreaterThanOrEqual(3);

  for (const user of users) {
    await test.step(user, async () => {
      await page.goto(`${baseURL()}/review`);
      await page.getByTestId(`dev-user-${user}`).click();
      await expect(page.getByTestId("user-name")).toBeVisible();
      const who = await me(page);
      const list = await categoryList(page);

      // the filters offer exactly what the server lets this user read
      const offered = await page.locator("#filter-category option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(offered).toEqual(list.categories);
      const regions = await page.locator("#filter-region option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(regions).toEqual(list.regions);
      if (who.role === "category_manager") {
        expect(list.categories.every((c) => who.scopes.categories.includes(c))).toBe(true);
      }
      if (who.role === "regional_manager") {
        expect(list.regions.every((r) => who.scopes.regions.includes(r))).toBe(true);
      }

      if (list.categories.length > 0 && process.env.E2E_REPORTS !== "0") {
        // the report shown is one of theirs
        await expect(page.getByTestId("report")).toHaveAttribute("data-ready", "true");
        const shown = (await page.getByTestId("report").getAttribute("data-report"))!.split("|");
        expect(list.categories).toContain(shown[0]);
        expect(list.regions).toContain(shown[1]);
      }

      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page.getByRole("heading", { name: "Weekly business review" })).toBeVisible();
      await expect(page.getByText("You are signed out.")).toBeVisible();
      const after = await page.request.get(`${baseURL()}/auth-me`);
      expect(after.status()).toBe(401);
    });
  }
});
