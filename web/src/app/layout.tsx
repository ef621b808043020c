// The shell: who is signed in decides what is shown. Signed out: the sign-in page, in place, so that the address
// (a shared report link) is kept and reopened after sign-in. Signed in: header with role-aware navigation, the
// user's scope and sign-out, then the page.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { navItems, roleLabel, scopeLabel, SignInPage, UserMenu, useAuthMe, useDevUsers } from "@/features/auth";
import { titleCase } from "@/lib/format";
import { ErrorPanel } from "@/lib/ui/error-panel";
import { SkeletonBlock } from "@/lib/ui/skeleton";
import { sessionNoticeKey } from "./provider";

export function Layout() {
  const me = useAuthMe();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const devUsers = useDevUsers(me.data === null);
  const notice = useQuery<string | null>({
    queryKey: sessionNoticeKey,
    queryFn: () => null,
    initialData: null,
    staleTime: Infinity,
  });

  if (me.isPending) {
    return (
      <main id="main" className="page page--center">
        <SkeletonBlock lines={3} label="Checking your session…" />
      </main>
    );
  }
  if (me.isError) {
    return (
      <main id="main" className="page page--center">
        <ErrorPanel error={me.error} title="catlens is not reachable" onRetry={() => void me.refetch()} />
      </main>
    );
  }
  if (me.data === null) {
    return (
      <SignInPage
        next={`${location.pathname}${location.search}`}
        devUsers={devUsers.data ?? []}
        loadingUsers={devUsers.isPending}
        notice={notice.data}
        roleLabel={roleLabel}
      />
    );
  }
  const user = me.data;
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar no-print">
        <div className="topbar__inner">
          <NavLink to="/review" className="brand" aria-label="catlens, weekly review">
            <span className="brand__mark" aria-hidden="true">
              ◎
            </span>{" "}
            catlens
          </NavLink>
          <nav className="topnav" aria-label="Main">
            {navItems(user).map((item) => (
              <NavLink key={item.to} to={item.to} className="topnav__link">
                {item.label}
              </NavLink>
            ))}
          </nav>
          <span className="topbar__scope" data-testid="user-scope">
            {scopeLabel(user, titleCase)}
          </span>
          <UserMenu
            user={user}
            onSignedOut={() => {
              client.setQueryData(sessionNoticeKey, "You are signed out.");
              navigate("/review", { replace: true });
            }}
          />
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet context={user} />
      </main>
      <footer className="footer no-print">
        catlens · figures from snapshot data; the written summary is checked against them.
      </footer>
    </div>
  );
}
