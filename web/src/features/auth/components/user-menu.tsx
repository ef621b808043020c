import type { AuthUser } from "../api/get-auth-me";
import { useLogout } from "../api/post-logout";
import { roleLabel } from "../utils";

export function UserMenu({ user, onSignedOut }: { user: AuthUser; onSignedOut: () => void }) {
  const logout = useLogout(onSignedOut);
  return (
    <div className="user-menu">
      <span className="user-menu__who">
        <span className="user-menu__name" data-testid="user-name">
          {user.name}
        </span>
        <span className="user-menu__role">
          {roleLabel(user.role)}
          {user.team ? ` · ${user.team}` : ""}
        </span>
      </span>
      <button
        type="button"
        className="button button--quiet"
        onClick={() => logout.mutate()}
        disabled={logout.isPending}
      >
        {logout.isPending ? "Signing out…" : "Sign out"}
      </button>
    </div>
  );
}
