// Every breakdown table of the report, for one metric at a time: first the whole-category breakdowns, then the
// finer ones inside a segment. Each table sorts and exports on its own.
import { useState } from "react";
import type { WbrDocument } from "@/api/contract";
import { EmptyState } from "@/lib/ui/empty-state";
import { breakdownMetrics, parentPath } from "../utils/drill-tree";
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { BreakdownTable } from "./breakdown-table";

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
  const current = metrics.includes(metric) ? metric : (metrics[0] ?? "");
  if (metrics.length === 0) {
    return <EmptyState title="No breakdowns in this report" />;
  }
  const tables = doc.breakdowns
    .filter((b) => b.metric === current)
    .sort((a, b) => parentPath(a.parent).length - parentPath(b.parent).length);
  const info = metricInfo(index, current);
  return (
    <>
      {metrics.length > 1 ? (
        <div className="toolbar no-print">
          <label className="filter">
            <span className="filter__label">Metric</span>
            <select className="select" value={current} onChange={(e) => setMetric(e.target.value)}>
              {metrics.map((m) => (
                <option key={m} value={m}>
                  {metricInfo(index, m).label}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      <div className="tables">
        {tables.map((b) => (
          <BreakdownTable
            key={`${b.dimension}:${parentPath(b.parent)
              .map((p) => `${p.dimension}=${p.value}`)
              .join("&")}`}
            breakdown={b}
            metric={info}
            fileParts={fileParts}
            currency={currency}
          />
        ))}
      </div>
    </>
  );
}
