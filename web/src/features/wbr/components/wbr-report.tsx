// Loads the review of a selection and shows it, or shows why not: a refusal when the selection is outside the
// user's scope (the server's 403, with its message), a clear error with a retry otherwise.
import type { ReactNode } from "react";
import type { ReportSelection } from "@/api/contract";
import { isApiError } from "@/lib/api-client";
import { ErrorPanel } from "@/lib/ui/error-panel";
import { useWbr } from "../api/post-wbr";
import { ReportSkeleton } from "./report-skeleton";
import { ReportView } from "./report-view";

export interface WbrReportProps {
  selection: ReportSelection;
  regionLabel: (id: string) => string;
  windowLabel: (w: string) => string;
  /** Shown under a refusal: e.g. a link back to a report the user may read. */
  refusalAction?: ReactNode;
}

export function WbrReport({ selection, regionLabel, windowLabel, refusalAction }: WbrReportProps) {
  const query = useWbr(selection);
  if (query.isPending) {
    return <ReportSkeleton />;
  }
  if (query.isError) {
    const refused = isApiError(query.error) && query.error.status === 403;
    const missing = isApiError(query.error) && query.error.status === 404;
    return (
      <div data-testid={refused ? "report-refused" : "report-error"}>
        <ErrorPanel
          error={query.error}
          title={refused ? "You do not have access to this report" : missing ? "No report for this selection" : undefined}
          onRetry={() => void query.refetch()}
        >
          {refused || missing ? refusalAction : null}
        </ErrorPanel>
      </div>
    );
  }
  return (
    <ReportView
      doc={query.data}
      selection={selection}
      regionLabel={regionLabel}
      windowLabel={windowLabel}
      updating={query.isPlaceholderData || query.isFetching}
    />
  );
}
