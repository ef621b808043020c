// Every breakdown table of the report, for one metric at a time: first the whole-category breakdowns, then the
// finer ones inside a segment. Each table sorts and exports on its own.
import { useState } from "react";
import type { WbrDocument } from "@/api/contract";
import { EmptyState } from "@/lib/ui/empty-state";
import { breakdownMetrics, byConcentration } from "../utils/drill-tree";

/** Tables shown before "Show all": the review stays readable; every table is one click (and one CSV) away. */
const FIRST_TABLES = 4;
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { BreakdownTable } from "./breakdown-table";
import { MetricPicker } from "./metric-picker";

export function BreakdownsSection({
  doc,
  index,
  fileParts,
  currency,
}: {
  doc: WbrDocument;
  index: MetricIndex;
  fileParts: string[];
  currency?: string;
}) {
  const metrics = breakdownMetrics(doc.breakdowns);
  const [metric, setMetric] = useState(metrics[0] ?? "");
  const [all, setAll] = useState(false);
  const current = metrics.includes(metric) ? metric : (metrics[0] ?? "");
  if (metrics.length === 0) {
    return <EmptyState title="No breakdowns in this report" />;
  }
  // the dimensions that explain the change most plainly first; a hierarchy's finer level right after its parent
  const mine = doc.breakdowns.filter((b) => b.metric === current);
  const tables: typeof mine = [];
  const addWithChildren = (b: (typeof mine)[number]) => {
    if (tables.includes(b)) {
      return;
    }
    tables.push(b);
    mine.filter((x) => x.parent === b.dimension).forEach(addWithChildren);
  };
  byConcentration(mine.filter((x) => x.parent === null), (x) => x.rows).forEach(addWithChildren);
  const shown = all ? tables : tables.slice(0, FIRST_TABLES);
  const info = metricInfo(index, current);
  return (
    <>
      {metrics.length > 1 ? (
        <div className="toolbar no-print">
          <MetricPicker metrics={metrics} value={current} index={index} onChange={setMetric} />
        </div>
      ) : null}
      <div className="tables">
        {shown.map((b) => (
          <BreakdownTable
            key={b.dimension}
            breakdown={b}
            metric={info}
            fileParts={fileParts}
            currency={currency}
          />
        ))}
      </div>
      {tables.length > FIRST_TABLES ? (
        <button type="button" className="button show-more no-print" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? `Show the first ${FIRST_TABLES} breakdowns` : `Show all ${tables.length} breakdowns of ${info.label.toLowerCase()}`}
        </button>
      ) : null}
    </>
  );
}
