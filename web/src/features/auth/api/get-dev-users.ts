// GET /login-url (Accept: application/json, no user): in dev mode the backend lists its configured users, each of
// whom signs in with one click. With single sign-on the same address redirects to the identity provider: that
// redirect is not followed here, and the sign-in page offers the SSO button alone.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { ApiDevUsers } from "@/api/types";
import { apiGet } from "@/lib/api-client";
import type { DevUser } from "../components/sign-in-page";

export const devUsersKey = ["dev-users"] as const;

export async function getDevUsers(signal?: AbortSignal): Promise<DevUser[]> {
  const answer = await apiGet<ApiDevUsers | null>("/login-url", { signal, probe: true, redirect: "manual" });
  if (!answer || answer.mode !== "dev" || !Array.isArray(answer.users)) {
    return [];
  }
  return answer.users.map((u) => ({
    name: u.name,
    label: u.label ?? undefined,
    role: u.role ?? undefined,
    team: u.team ?? undefined,
  }));
}

export function devUsersQueryOptions() {
  return queryOptions({
    queryKey: devUsersKey,
    queryFn: ({ signal }) => getDevUsers(signal),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useDevUsers(enabled: boolean) {
  return useQuery({ ...devUsersQueryOptions(), enabled });
}
