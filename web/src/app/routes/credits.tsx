import { useOutletContext } from "react-router";
import { seesAllTeams, type AuthUser } from "@/features/auth";
import { UsagePage } from "@/features/usage";
import { useDocumentTitle } from "../use-document-title";

export function CreditsRoute() {
  const user = useOutletContext<AuthUser>();
  useDocumentTitle("Usage & credits");
  return (
    <>
      <h1 className="page__title">Usage & credits</h1>
      <p className="muted">What the written summaries have cost, and the credits left.</p>
      <UsagePage allTeams={seesAllTeams(user)} />
    </>
  );
}
