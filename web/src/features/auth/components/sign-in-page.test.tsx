import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderWith } from "@/test/render";
import { loginHref, SignInPage } from "./sign-in-page";

describe("SignInPage", () => {
  it("sends single sign-on back to the page the user opened", () => {
    renderWith(<SignInPage next="/review?category=toys&window=MoM" devUsers={[]} roleLabel={(r) => r} />);
    expect(screen.getByRole("link", { name: "Sign in with single sign-on" }).getAttribute("href")).toBe(
      "/login-url?next=%2Freview%3Fcategory%3Dtoys%26window%3DMoM",
    );
  });

  it("lists the backend's development users, each a one-click sign-in", () => {
    renderWith(
      <SignInPage
        next="/review"
        devUsers={[
          { name: "cm", label: "Casey (electronics)", role: "category_manager", team: "electronics" },
          { name: "vp", role: "leadership" },
        ]}
        roleLabel={(r) => r.toUpperCase()}
      />,
    );
    const cm = screen.getByTestId("dev-user-cm");
    expect(cm.getAttribute("href")).toBe("/login-url?user=cm&next=%2Freview");
    expect(cm.textContent).toContain("Casey (electronics)");
    expect(cm.textContent).toContain("CATEGORY_MANAGER · electronics");
    expect(screen.getByTestId("dev-user-vp").textContent).toContain("LEADERSHIP");
    // a dev-mode backend has no identity provider to send anyone to
    expect(screen.queryByRole("link", { name: "Sign in with single sign-on" })).toBeNull();
  });

  it("says why the user is here", () => {
    renderWith(<SignInPage next="/" devUsers={[]} notice="Your session has ended." roleLabel={(r) => r} />);
    expect(screen.getByRole("status").textContent).toBe("Your session has ended.");
  });

  it("builds sign-in links with the user and the way back", () => {
    expect(loginHref("/credits", "ada lovelace")).toBe("/login-url?user=ada+lovelace&next=%2Fcredits");
  });
});
