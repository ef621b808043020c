// GET /auth-me: who is signed in (id, name, email, role, team, scopes). A 401 is the ordinary "signed out" answer
// and yields null; any other failure is an error the page shows.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { Role } from "@/api/contract";
import { apiGet, isApiError, setCsrfToken } from "@/lib/api-client";

export interface AuthUser {
  id: string;
  name: string;
  email: string;
  role: Role | string;
  team: string;
  scopes: { categories: string[]; regions: string[] };
  csrf_token?: string;
}

export const authMeKey = ["auth-me"] as const;

export async function getAuthMe(signal?: AbortSignal): Promise<AuthUser | null> {
  try {
    const user = await apiGet<AuthUser>("/auth-me", { signal, probe: true });
    setCsrfToken(user.csrf_token ?? null);
    return user;
  } catch (e) {
    if (isApiError(e) && e.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw e;
  }
}

export function authMeQueryOptions() {
  return queryOptions({
    queryKey: authMeKey,
    queryFn: ({ signal }) => getAuthMe(signal),
    staleTime: 5 * 60_000,
    retry: (count, error) => !(isApiError(error) && error.status < 500) && count < 2,
  });
}

export function useAuthMe() {
  return useQuery(authMeQueryOptions());
}
