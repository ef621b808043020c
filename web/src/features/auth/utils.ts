// What each role may see, mirrored from the server (which enforces it on every request).
import type { Role } from "@/api/contract";
import type { AuthUser } from "./api/get-auth-me";

const ROLE_LABELS: Record<Role, string> = {
  category_manager: "Category manager",
  regional_manager: "Regional manager",
  leadership: "Leadership",
  admin: "Administrator",
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role as Role] ?? role.replace(/_/g, " ");
}

/** Leadership reads every category and region, and every team's usage. */
export function seesEverything(user: Pick<AuthUser, "role">): boolean {
  return user.role === "leadership";
}

export function seesAllTeams(user: Pick<AuthUser, "role">): boolean {
  return user.role === "leadership" || user.role === "admin";
}

/** A one-line description of the user's scope, for the header. */
export function scopeLabel(user: AuthUser, humanize: (s: string) => string): string {
  if (seesEverything(user)) {
    return "All categories and regions";
  }
  const cats = user.scopes.categories;
  const regs = user.scopes.regions;
  const part = (xs: string[], all: string) =>
    xs.length === 0 || xs.includes("*") ? all : xs.map(humanize).join(", ");
  return `${part(cats, "All categories")} · ${part(regs, "all regions")}`;
}

export interface NavItem {
  to: string;
  label: string;
}

export function navItems(user: AuthUser): NavItem[] {
  const items: NavItem[] = [];
  if (user.role !== "admin" || user.scopes.categories.length > 0) {
    items.push({ to: "/review", label: "Weekly review" });
  }
  items.push({ to: "/credits", label: seesAllTeams(user) ? "Usage & credits (all teams)" : "Usage & credits" });
  return items;
}
