// GET /auth-me: who is signed in (id, name, email, role, team, scopes). A 401 is the ordinary "signed out" answer
// and yields null; any other failure is an error the page shows.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { Role } from "@/api/contract";
import type { ApiUser } from "@/api/types";
import { apiGet, isApiError, setCsrfToken } from "@/lib/api-client";

export interface AuthUser {
  id: string;
  name: string;
  email: string;
  role: Role | string;
  team: string;
  scopes: { categories: string[]; regions: string[] };
  csrf_token?: string;
  auth_mode?: ApiUser["auth_mode"];
}

export const authMeKey = ["auth-me"] as const;

/** As sent (docs/api/openapi.yaml User); older documents carried the scopes at the top level. */
type RawUser = Partial<Omit<ApiUser, "scopes">> & {
  scopes?: { categories?: string[]; regions?: string[] };
  categories?: string[];
  regions?: string[];
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** The backend's user document ({id, name, email, role, team, categories, regions}, src/auth/user.h) in one shape;
 * empty scope lists mean "any" for the dimension the role is not scoped to. */
export function readUser(raw: RawUser): AuthUser {
  return {
    id: raw.id ?? "",
    name: raw.name ?? raw.id ?? "",
    email: raw.email ?? "",
    role: raw.role ?? "",
    team: raw.team ?? "",
    scopes: {
      categories: strings(raw.scopes?.categories ?? raw.categories),
      regions: strings(raw.scopes?.regions ?? raw.regions),
    },
    csrf_token: raw.csrf_token,
    auth_mode: raw.auth_mode,
  };
}

export async function getAuthMe(signal?: AbortSignal): Promise<AuthUser | null> {
  try {
    const user = readUser(await apiGet<RawUser>("/auth-me", { signal, probe: true }));
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
