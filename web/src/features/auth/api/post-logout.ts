// POST /logout: ends the session on the server, then forgets everything this page knew about the user.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ApiSignedOut } from "@/api/types";
import { apiPost, setCsrfToken } from "@/lib/api-client";
import { authMeKey } from "./get-auth-me";

export const logoutKey = ["logout"] as const;

export function postLogout(): Promise<ApiSignedOut> {
  return apiPost<ApiSignedOut>("/logout", {});
}

export function useLogout(onDone: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: logoutKey,
    mutationFn: postLogout,
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(authMeKey, null);
      onDone();
    },
  });
}
