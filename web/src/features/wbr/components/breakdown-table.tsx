// One breakdown of a metric by a dimension: each value's level, change, its contribution to the total change and how
// its share moved. Sortable; the CSV holds the same rows with raw numbers.
import type { Breakdown, BreakdownRow } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import {
  dimensionLabel,
  formatChange,
  formatPercentChange,
  formatShare,
  formatValue,
  pathLabel,
  valueLabel,
} from "@/lib/format";
import { DataTable, type Column } from "@/lib/ui/data-table";
import { parentPath } from "../utils/drill-tree";
import type { MetricInfo } from "../utils/metrics";

export function breakdownTitle(b: Breakdown, metric: MetricInfo): string {
  const parent = parentPath(b.parent);
  const within = parent.length > 0 ? ` within ${pathLabel(parent)}` : "";
  return `${metric.label} by ${dimensionLabel(b.dimension).toLowerCase()}${within}`;
}

export function breakdownColumns(b: Breakdown, m: MetricInfo, currency?: string): Column<BreakdownRow>[] {
  const o = { currency };
  return [
    {
      key: "value",
      header: dimensionLabel(b.dimension),
      sortValue: (r) => r.value,
      render: (r) => valueLabel(r.value),
    },
    {
      key: "current",
      header: "Current",
      numeric: true,
      sortValue: (r) => r.current,
      render: (r) => formatValue(r.current, m.unit, m.format, o),
    },
    {
      key: "previous",
      header: "Previous",
      numeric: true,
      sortValue: (r) => r.previous,
      render: (r) => formatValue(r.previous, m.unit, m.format, o),
    },
    {
      key: "change",
      header: "Change",
      numeric: true,
      sortValue: (r) => r.change,
      render: (r) => formatChange(r.change, m.changeUnit, m.format, o),
    },
    {
      key: "change_pct",
      header: "Change %",
      numeric: true,
      sortValue: (r) => r.change_pct,
      render: (r) => formatPercentChange(r.change_pct),
    },
    {
      key: "contribution",
      header: "Contribution",
      help: "How much of the total change this value accounts for, in the metric's unit",
      numeric: true,
      sortValue: (r) => r.contribution,
      render: (r) => formatChange(r.contribution, m.changeUnit, m.format, o),
    },
    {
      key: "contribution_pct",
      header: "% of change",
      help: "Contribution as a percentage of the total change",
      numeric: true,
      sortValue: (r) => r.contribution_pct,
      render: (r) => formatShare(r.contribution_pct),
    },
    {
      key: "share_current",
      header: "Share",
      numeric: true,
      sortValue: (r) => r.share_current,
      render: (r) => formatShare(r.share_current),
    },
    {
      key: "share_shift_pp",
      header: "Share shift",
      help: "Change of the share in percentage points",
      numeric: true,
      sortValue: (r) => r.share_shift_pp,
      render: (r) => formatChange(r.share_shift_pp, "pp", "percent1"),
      csv: (r) => r.share_shift_pp,
    },
  ];
}

export function BreakdownTable({
  breakdown,
  metric,
  fileParts,
  currency,
}: {
  breakdown: Breakdown;
  metric: MetricInfo;
  fileParts: string[];
  currency?: string;
}) {
  const parent = parentPath(breakdown.parent).map((s) => s.value);
  return (
    <DataTable
      caption={breakdownTitle(breakdown, metric)}
      rows={breakdown.rows}
      columns={breakdownColumns(breakdown, metric, currency)}
      rowKey={(r) => r.value}
      csvFileName={csvFileName([...fileParts, breakdown.metric, "by", breakdown.dimension, ...parent])}
      testId={`breakdown-${breakdown.metric}-${breakdown.dimension}${parent.length ? `-${parent.join("-")}` : ""}`}
    />
  );
}
