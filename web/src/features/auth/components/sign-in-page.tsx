// The sign-in page. With single sign-on the button goes to the backend's /login-url, which redirects to the
// company's identity provider and back. In development mode (`make run`) the backend also lists its configured
// users (GET /login-url as JSON), each signed in with one click through /login-url?user=NAME.
import { useId } from "react";
import { buildUrl } from "@/lib/api-client";
import { env } from "@/config/env";

export interface DevUser {
  name: string;
  label?: string;
  role?: string;
  team?: string;
}

export interface SignInPageProps {
  /** Where to come back to after signing in (a path of this app). */
  next: string;
  devUsers: DevUser[];
  /** Why the user is here: the session ended, or a sign-in failed. */
  notice?: string | null;
  roleLabel: (role: string) => string;
  /** The dev user list is still loading: show neither it nor the fallback form yet. */
  loadingUsers?: boolean;
}

export function loginHref(next: string, user?: string): string {
  return buildUrl(env.VITE_API_BASE_URL, "/login-url", { user, next });
}

export function SignInPage({ next, devUsers, notice, roleLabel, loadingUsers }: SignInPageProps) {
  const inputId = useId();
  return (
    <main id="main" className="sign-in">
      <div className="sign-in__card">
        <p className="brand brand--large" aria-hidden="true">
          <span className="brand__mark">◎</span> catlens
        </p>
        <h1 className="sign-in__title">Weekly business review</h1>
        <p className="sign-in__lead">
          KPIs, drivers and a checked written summary for every category, region and week.
        </p>
        {notice ? (
          <p className="notice notice--info" role="status">
            {notice}
          </p>
        ) : null}
        {loadingUsers ? null : devUsers.length === 0 ? (
          // single sign-on; a dev-mode backend has no identity provider and lists its users instead
          <a className="button button--primary button--block" href={loginHref(next)}>
            Sign in with single sign-on
          </a>
        ) : (
          <section className="sign-in__dev sign-in__dev--only" aria-labelledby={`${inputId}-dev`}>
            <h2 id={`${inputId}-dev`} className="sign-in__subtitle">
              Development users
            </h2>
            <ul className="dev-users">
              {devUsers.map((u) => (
                <li key={u.name}>
                  <a className="dev-user" href={loginHref(next, u.name)} data-testid={`dev-user-${u.name}`}>
                    <span className="dev-user__name">{u.label ?? u.name}</span>
                    <span className="dev-user__meta">
                      {[u.role ? roleLabel(u.role) : null, u.team].filter(Boolean).join(" · ")}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </main>
  );
}
