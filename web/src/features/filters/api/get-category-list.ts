// GET /category-list: the filter values this user may use (categories, regions, windows, weeks available).
// Values may come as plain ids or as {id, label}; both are read into one shape.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { ApiCategoryList } from "@/api/types";
import { apiGet } from "@/lib/api-client";

export interface FilterOption {
  id: string;
  label: string | null;
}

export interface CategoryList {
  categories: FilterOption[];
  regions: FilterOption[];
  windows: FilterOption[];
  weeks: FilterOption[];
}

type RawOption = string | { id?: string; value?: string; name?: string; label?: string };

function option(raw: RawOption): FilterOption | null {
  if (typeof raw === "string") {
    return { id: raw, label: null };
  }
  const id = raw.id ?? raw.value ?? raw.name;
  return typeof id === "string" ? { id, label: raw.label ?? null } : null;
}

function options(raw: unknown): FilterOption[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.map((r: RawOption) => option(r)).filter((o): o is FilterOption => o !== null);
}

export function readCategoryList(raw: Record<string, unknown>): CategoryList {
  return {
    categories: options(raw.categories),
    regions: options(raw.regions),
    windows: options(raw.windows),
    weeks: options(raw.weeks),
  };
}

export const categoryListKey = ["category-list"] as const;

export async function getCategoryList(signal?: AbortSignal): Promise<CategoryList> {
  const answer = await apiGet<ApiCategoryList>("/category-list", { signal });
  return readCategoryList({ ...answer });
}

export function categoryListQueryOptions() {
  return queryOptions({
    queryKey: categoryListKey,
    queryFn: ({ signal }) => getCategoryList(signal),
    staleTime: 10 * 60_000,
  });
}

export function useCategoryList() {
  return useQuery(categoryListQueryOptions());
}
