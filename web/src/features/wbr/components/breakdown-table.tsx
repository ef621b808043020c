// One breakdown of a metric by a dimension: each value's level, change, its contribution to the total change and how
// its share moved; values past the report's cap are one "Other" line, and the total closes the table. A hierarchy
// level (traffic source L2) names each row's parent value. Sortable; the CSV holds the same lines with raw numbers.
import type { Breakdown, BreakdownRow } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import {
  dimensionLabel,
  formatChange,
  formatPercentChange,
  formatShare,
  formatValue,
  valueLabel,
} from "@/lib/format";
import { DataTable, type Column } from "@/lib/ui/data-table";
import type { MetricInfo } from "../utils/metrics";

export function breakdownTitle(b: Breakdown, metric: MetricInfo): string {
  const within = b.parent ? ` (within ${dimensionLabel(b.parent).toLowerCase()})` : "";
  return `${metric.label} by ${dimensionLabel(b.dimension).toLowerCase()}${within}`;
}

export function breakdownTestId(b: Breakdown): string {
  return `breakdown-${b.metric}-${b.dimension}`;
}

/** The lines under the body: the values folded into "other", then the total. */
export function footRows(b: Breakdown): BreakdownRow[] {
  const out: BreakdownRow[] = [];
  if (b.other) {
    out.push({
      value: `Other (${b.other.values} ${b.other.values === 1 ? "value" : "values"})`,
      current: b.other.current,
      previous: b.other.previous,
      change: null,
      change_pct: null,
      contribution: b.other.contribution,
      contribution_pct: null,
      share_current: b.other.share_current,
      share_previous: b.other.share_previous,
      share_shift_pp:
        typeof b.other.share_current === "number" && typeof b.other.share_previous === "number"
          ? b.other.share_current - b.other.share_previous
          : null,
    });
  }
  const t = b.total;
  const pct = typeof t.change === "number" && typeof t.previous === "number" && t.previous !== 0 ? (100 * t.change) / Math.abs(t.previous) : null;
  out.push({
    value: "Total",
    current: t.current,
    previous: t.previous,
    change: t.change,
    change_pct: pct,
    contribution: t.change,
    contribution_pct: null,
    share_current: null,
    share_previous: null,
    share_shift_pp: null,
  });
  return out;
}

export function breakdownColumns(b: Breakdown, m: MetricInfo, currency?: string): Column<BreakdownRow>[] {
  const o = { currency };
  const cols: Column<BreakdownRow>[] = [
    {
      key: "value",
      header: dimensionLabel(b.dimension),
      sortValue: (r) => r.value,
      render: (r) => valueLabel(r.value),
    },
  ];
  if (b.parent) {
    const parent = b.parent;
    cols.push({
      key: "parent_value",
      header: dimensionLabel(parent),
      sortValue: (r) => r.parent_value ?? null,
      render: (r) => (r.parent_value ? valueLabel(r.parent_value) : ""),
    });
  }
  cols.push(
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
      render: (r) => (r.change === null ? "" : formatChange(r.change, m.changeUnit, m.format, o)),
    },
    {
      key: "change_pct",
      header: "Change %",
      numeric: true,
      sortValue: (r) => r.change_pct,
      render: (r) => (r.change_pct === null ? "" : formatPercentChange(r.change_pct)),
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
      render: (r) => (r.contribution_pct === null ? "" : formatShare(r.contribution_pct)),
    },
    {
      key: "share_current",
      header: "Share",
      help: m.unit === "percent" || m.unit === "ratio" ? "Share of the ratio's denominator" : "Share of the total",
      numeric: true,
      sortValue: (r) => r.share_current,
      render: (r) => (r.share_current === null ? "" : formatShare(r.share_current)),
    },
    {
      key: "share_shift_pp",
      header: "Share shift",
      help: "Change of the share in percentage points",
      numeric: true,
      sortValue: (r) => r.share_shift_pp,
      render: (r) => (r.share_shift_pp === null ? "" : formatChange(r.share_shift_pp, "pp", "percent1")),
    },
  );
  return cols;
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
  return (
    <DataTable
      caption={breakdownTitle(breakdown, metric)}
      rows={breakdown.rows}
      footRows={footRows(breakdown)}
      columns={breakdownColumns(breakdown, metric, currency)}
      rowKey={(r) => `${r.parent_value ?? ""}/${r.value}`}
      csvFileName={csvFileName([...fileParts, breakdown.metric, "by", breakdown.dimension])}
      testId={breakdownTestId(breakdown)}
    />
  );
}
