// GET /usage: LLM spend and remaining credits for the signed-in user and their team; leadership also gets every
// team. Money is in integer micro-units of the price table's currency (as the AI service's ledger keeps it).
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { ApiUsage, ApiUsageAccount } from "@/api/types";
import { apiGet } from "@/lib/api-client";

export type UsageAccount = ApiUsageAccount;
export type Usage = ApiUsage;

export const usageKey = ["usage"] as const;

export function getUsage(signal?: AbortSignal): Promise<Usage> {
  return apiGet<Usage>("/usage", { signal });
}

export function usageQueryOptions() {
  return queryOptions({ queryKey: usageKey, queryFn: ({ signal }) => getUsage(signal), staleTime: 30_000 });
}

export function useUsage() {
  return useQuery(usageQueryOptions());
}
