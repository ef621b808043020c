// The weekly review page: filters (from /category-list, kept in the URL) above the report they select.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { FilterBar, regionLabel, useCategoryList, useReportSelection, windowLabel } from "@/features/filters";
import { WbrReport, wbrQueryOptions } from "@/features/wbr";
import { completeSelection } from "@/lib/report-selection";
import { titleCase } from "@/lib/format";
import { EmptyState } from "@/lib/ui/empty-state";
import { ErrorPanel } from "@/lib/ui/error-panel";
import { Skeleton } from "@/lib/ui/skeleton";
import { useDocumentTitle } from "../use-document-title";

/** A link that names the whole selection starts loading its report at once, beside the filter lists. */
function usePrefetchLinkedReport() {
  const [params] = useSearchParams();
  const client = useQueryClient();
  const [linked] = useState(() => completeSelection(params));
  useEffect(() => {
    if (linked) {
      void client.prefetchQuery(wbrQueryOptions(linked));
    }
  }, [client, linked]);
}

export function ReviewRoute() {
  usePrefetchLinkedReport();
  const list = useCategoryList();
  const { selection, outside, setSelection } = useReportSelection(list.data);
  useDocumentTitle(selection ? `${titleCase(selection.category)} · ${regionLabel(selection.region)} · ${selection.week}` : "Weekly review");

  if (list.isPending) {
    return (
      <div className="filter-bar" aria-busy="true">
        <Skeleton width="60%" height="2.4rem" />
      </div>
    );
  }
  if (list.isError) {
    return <ErrorPanel error={list.error} title="The filters could not be loaded" onRetry={() => void list.refetch()} />;
  }
  if (!selection) {
    return (
      <EmptyState title="No report is available to you yet">
        Your account has no category or region, or no week has been published. Ask an administrator for access.
      </EmptyState>
    );
  }
  return (
    <>
      <FilterBar list={list.data} selection={selection} outside={outside} onChange={setSelection} />
      <WbrReport
        selection={selection}
        regionLabel={regionLabel}
        windowLabel={windowLabel}
        refusalAction={
          <p>
            <Link to="/review" className="button">
              Open a report you can read
            </Link>
          </p>
        }
      />
    </>
  );
}
