// POST /wbr: the weekly business review of one category × region × window × week (docs/contracts.md §4). A report
// is immutable for its snapshot, so a fetched one stays fresh for minutes; switching filters keeps the previous
// report on screen (marked as updating) until the next arrives, instead of flashing a blank page.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import type { ReportSelection, WbrDocument } from "@/api/contract";
import type { ApiWbrRequest } from "@/api/types";
import { apiPost, isApiError } from "@/lib/api-client";

export const wbrKeys = {
  all: ["wbr"] as const,
  report: (s: ReportSelection) => ["wbr", s.category, s.region, s.window, s.week] as const,
};

export function postWbr(selection: ReportSelection, signal?: AbortSignal): Promise<WbrDocument> {
  const body: ApiWbrRequest = {
    category: selection.category,
    region: selection.region,
    window: selection.window,
    week: selection.week,
  };
  return apiPost<WbrDocument>("/wbr", body, { signal });
}

export function wbrQueryOptions(selection: ReportSelection) {
  return queryOptions({
    queryKey: wbrKeys.report(selection),
    queryFn: ({ signal }) => postWbr(selection, signal),
    staleTime: 5 * 60_000,
    // a refusal or bad input will not change by asking again; a server hiccup may
    retry: (count, error) => (!isApiError(error) || error.status === 0 || error.status >= 500) && count < 2,
  });
}

export function useWbr(selection: ReportSelection) {
  return useQuery({ ...wbrQueryOptions(selection), placeholderData: keepPreviousData });
}
