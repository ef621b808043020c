import { createBrowserRouter, Navigate } from "react-router";
import { Layout } from "./layout";
import { CreditsRoute } from "./routes/credits";
import { NotFoundRoute } from "./routes/not-found";
import { ReviewRoute } from "./routes/review";

// Page paths never collide with the backend's API paths (/wbr, /usage …): `catlens app` serves index.html for
// browser navigations to any other path.
export function createRouter() {
  return createBrowserRouter([
    {
      path: "/",
      element: <Layout />,
      children: [
        { index: true, element: <Navigate to="/review" replace /> },
        { path: "review", element: <ReviewRoute /> },
        { path: "credits", element: <CreditsRoute /> },
        { path: "*", element: <NotFoundRoute /> },
      ],
    },
  ]);
}
