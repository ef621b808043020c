// The report selection lives in the URL. Reading fills defaults in (and writes them back, replacing the history
// entry, so the address bar always names the report shown); changing a filter pushes a new entry, so Back returns
// to the previous report.
import { useCallback, useEffect, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { ReportSelection } from "@/api/contract";
import { parseSelection, writeSelection, type ParsedSelection } from "@/lib/report-selection";
import type { CategoryList } from "../api/get-category-list";

export function useReportSelection(list: CategoryList | undefined): ParsedSelection & {
  setSelection: (patch: Partial<ReportSelection>) => void;
} {
  const [params, setParams] = useSearchParams();
  const parsed = useMemo<ParsedSelection>(() => {
    if (!list) {
      return { selection: null, outside: {}, defaulted: false };
    }
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    return parseSelection(params, {
      categories: ids(list.categories),
      regions: ids(list.regions),
      windows: ids(list.windows),
      weeks: ids(list.weeks),
    });
  }, [params, list]);

  const { selection, defaulted } = parsed;
  useEffect(() => {
    if (selection && defaulted) {
      setParams((prev) => writeSelection(prev, selection), { replace: true });
    }
  }, [selection, defaulted, setParams]);

  const setSelection = useCallback(
    (patch: Partial<ReportSelection>) => {
      if (!selection) {
        return;
      }
      setParams((prev) => writeSelection(prev, { ...selection, ...patch }));
    },
    [selection, setParams],
  );

  return { ...parsed, setSelection };
}
