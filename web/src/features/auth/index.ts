// The auth feature's public face: what the app shell composes.
export { authMeKey, authMeQueryOptions, useAuthMe, type AuthUser } from "./api/get-auth-me";
export { SignInPage, loginHref, type DevUser } from "./components/sign-in-page";
export { UserMenu } from "./components/user-menu";
export { navItems, roleLabel, scopeLabel, seesAllTeams, seesEverything } from "./utils";
export { useDevUsers } from "./api/get-dev-users";
