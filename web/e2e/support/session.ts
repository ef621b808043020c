// What the tests do as a user: sign in as a dev user (the same /login-url link the sign-in page offers), read who
// the server says they are, and call the API with the browser's own session when a test needs the raw numbers.
import { expect, test, type Page } from "@playwright/test";

/** Skip the calling test when the backend cannot build reports yet (global-setup probed it), saying why. */
export function requireReports(): void {
  test.skip(process.env.E2E_REPORTS === "0", `needs reports: ${process.env.E2E_REPORTS_WHY ?? ""}`);
}

export function baseURL(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) {
    throw new Error("E2E_BASE_URL is not set: global-setup starts the backend");
  }
  return url;
}

export interface Me {
  id: string;
  name: string;
  role: string;
  team: string;
  scopes: { categories: string[]; regions: string[] };
}

export interface CategoryList {
  categories: string[];
  regions: string[];
  windows: string[];
  weeks: string[];
}

const ids = (xs: unknown[]): string[] =>
  xs.map((x) => (typeof x === "string" ? x : String((x as { id?: string; value?: string }).id ?? (x as { value?: string }).value)));

export interface DevUser {
  name: string;
  label?: string | null;
  role?: string | null;
  team?: string | null;
}

/** The backend's dev users (GET /login-url as JSON, dev mode). */
export async function devUsers(page: Page): Promise<DevUser[]> {
  const r = await page.request.get(`${baseURL()}/login-url`, { headers: { Accept: "application/json" }, maxRedirects: 0 });
  expect(r.status()).toBe(200);
  return ((await r.json()) as { users: DevUser[] }).users;
}

/** The first dev user with ROLE: the tests take their users from the backend's own configuration. */
export async function userWithRole(page: Page, role: string): Promise<string> {
  const user = (await devUsers(page)).find((u) => u.role === role);
  if (!user) {
    throw new Error(`the backend has no dev user with role ${role}`);
  }
  return user.name;
}

export async function signIn(page: Page, user: string, next = "/review"): Promise<void> {
  await page.goto(`${baseURL()}/login-url?user=${encodeURIComponent(user)}&next=${encodeURIComponent(next)}`);
  if (!new URL(page.url()).pathname.startsWith(next.split("?")[0]!)) {
    await page.goto(`${baseURL()}${next}`);
  }
  await expect(page.getByTestId("user-name")).toBeVisible();
}

export async function me(page: Page): Promise<Me> {
  const r = await page.request.get(`${baseURL()}/auth-me`);
  expect(r.status()).toBe(200);
  const raw = (await r.json()) as Me & { categories?: string[]; regions?: string[] };
  return {
    ...raw,
    scopes: raw.scopes ?? { categories: raw.categories ?? [], regions: raw.regions ?? [] },
  };
}

export async function categoryList(page: Page): Promise<CategoryList> {
  const r = await page.request.get(`${baseURL()}/category-list`);
  expect(r.status()).toBe(200);
  const body = (await r.json()) as Record<string, unknown[]>;
  return {
    categories: ids(body.categories ?? []),
    regions: ids(body.regions ?? []),
    windows: ids(body.windows ?? []),
    weeks: ids(body.weeks ?? []),
  };
}

/** The CSRF token of the page's session, as the UI's API client sends it. */
async function csrfHeaders(page: Page): Promise<Record<string, string>> {
  const cookies = await page.context().cookies(baseURL());
  const csrf = cookies.find((c) => c.name === "catlens_csrf");
  return csrf ? { "X-CSRF-Token": decodeURIComponent(csrf.value) } : {};
}

export async function postJson(page: Page, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const r = await page.request.post(`${baseURL()}${path}`, {
    data: body,
    headers: { "Content-Type": "application/json", ...(await csrfHeaders(page)) },
  });
  let json: unknown = null;
  try {
    json = await r.json();
  } catch {
    json = null;
  }
  return { status: r.status(), json };
}

/** Wait until the review shown is the one of SELECTION, fully rendered. */
export async function waitForReport(page: Page, s: { category: string; region: string; window: string; week: string }) {
  await expect(page.getByTestId("report")).toHaveAttribute("data-report", `${s.category}|${s.region}|${s.window}|${s.week}`);
  await expect(page.getByTestId("report")).toHaveAttribute("data-ready", "true");
}

export function reviewPath(s: { category: string; region: string; window: string; week: string }): string {
  const q = new URLSearchParams({ category: s.category, region: s.region, window: s.window, week: s.week });
  return `/review?${q.toString()}`;
}
