// Market pulse vs our own trend: the external index of the category's market against the internal index of the
// same weeks (both 100 = baseline), with the growth gap in words. The series is also a table (and a CSV).
import { lazy, Suspense, useMemo } from "react";
import type { MarketPulse, MarketPulsePoint } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import { formatChange, formatPercentChange, formatValue } from "@/lib/format";
import { DataTable } from "@/lib/ui/data-table";
import { EmptyState } from "@/lib/ui/empty-state";
import { Skeleton } from "@/lib/ui/skeleton";

const EChart = lazy(() => import("@/lib/ui/echart"));

export function marketVerdict(p: MarketPulse): string | null {
  const m = p.market_growth_pct;
  const i = p.internal_growth_pct;
  if (typeof m !== "number" || typeof i !== "number") {
    return null;
  }
  const gap = typeof p.gap_pp === "number" ? p.gap_pp : i - m;
  const pace = Math.abs(gap) < 0.05 ? "in line with" : gap > 0 ? "faster than" : "slower than";
  const impact =
    typeof p.impact === "number"
      ? ` Against growing with the market, that is ${formatChange(p.impact, "currency", "currency0")} of revenue.`
      : "";
  return `The market moved ${formatPercentChange(m)}, we moved ${formatPercentChange(i)}: ${pace} the market (${formatChange(gap, "pp", "percent1")}).${impact}`;
}

export function MarketSection({ pulse, fileParts }: { pulse: MarketPulse | null | undefined; fileParts: string[] }) {
  const series = useMemo(() => pulse?.series ?? [], [pulse]);
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, data: ["Market pulse", "Our trend"] },
      tooltip: { trigger: "axis", valueFormatter: (v: number) => formatValue(v, "index", "index1") },
      xAxis: { type: "category", data: series.map((p) => p.week), axisLabel: { color: "#5b6575" } },
      yAxis: { type: "value", scale: true, axisLabel: { color: "#5b6575" }, splitLine: { lineStyle: { color: "#e6e9ef" } } },
      series: [
        {
          name: "Market pulse",
          type: "line",
          data: series.map((p) => p.pulse_index),
          color: "#8a5a00",
          lineStyle: { type: "dashed", width: 2 },
          symbol: "rect",
          connectNulls: false,
        },
        {
          name: "Our trend",
          type: "line",
          data: series.map((p) => p.internal_index),
          color: "#1f4e79",
          lineStyle: { width: 2.5 },
          symbol: "circle",
          connectNulls: false,
        },
      ],
    }),
    [series],
  );
  if (!pulse || !pulse.available || series.length === 0) {
    return <EmptyState title="No market pulse for this category">The external market index has no data here.</EmptyState>;
  }
  const verdict = marketVerdict(pulse);
  return (
    <>
      {verdict ? <p className="lead" data-testid="market-verdict">{verdict}</p> : null}
      <figure className="chart-figure">
        <Suspense fallback={<Skeleton height="260px" width="100%" />}>
          <EChart option={option} height={260} label="Market pulse index and our own index by week" testId="market-chart" />
        </Suspense>
        <figcaption className="chart-caption">
          Market pulse (dashed, squares) and our trend (solid, circles); both indexed, 100 = baseline.
        </figcaption>
      </figure>
      <details className="details">
        <summary>Market pulse by week (table)</summary>
        <DataTable<MarketPulsePoint>
          caption="Market pulse vs our trend"
          rows={series}
          rowKey={(r) => r.week}
          csvFileName={csvFileName([...fileParts, "market_pulse"])}
          columns={[
            { key: "week", header: "Week", sortValue: (r) => r.week, render: (r) => r.week },
            {
              key: "pulse_index",
              header: "Market pulse",
              numeric: true,
              sortValue: (r) => r.pulse_index,
              render: (r) => formatValue(r.pulse_index, "index", "index1"),
            },
            {
              key: "internal_index",
              header: "Our trend",
              numeric: true,
              sortValue: (r) => r.internal_index,
              render: (r) => formatValue(r.internal_index, "index", "index1"),
            },
          ]}
        />
      </details>
    </>
  );
}
