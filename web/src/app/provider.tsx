// Server state (TanStack Query) and the session: when any request finds the session ended, the page forgets the
// user and the shell shows the sign-in page, with a word on why, instead of a half-broken report.
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { authMeKey } from "@/features/auth";
import { configureApiClient } from "@/lib/api-client";

export const sessionNoticeKey = ["session-notice"] as const;

export function AppProvider({ client, children }: { client: QueryClient; children: ReactNode }) {
  useEffect(() => {
    configureApiClient({
      onUnauthorized: () => {
        client.setQueryData(sessionNoticeKey, "Your session has ended. Please sign in again to continue.");
        client.setQueryData(authMeKey, null);
      },
    });
  }, [client]);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
