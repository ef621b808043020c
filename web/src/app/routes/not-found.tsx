import { Link } from "react-router";
import { EmptyState } from "@/lib/ui/empty-state";

export function NotFoundRoute() {
  return (
    <EmptyState title="There is no page here">
      <Link to="/review">Go to the weekly review</Link>
    </EmptyState>
  );
}
