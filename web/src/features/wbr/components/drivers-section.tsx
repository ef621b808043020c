// Why the metric moved: a waterfall of the change by contributor (one dimension at a time), the drill-down tree
// across dimensions and levels, the revenue split into traffic × conversion × basket effects, and for a ratio its
// split into mix and rate effects by dimension.
import { useState } from "react";
import type { Breakdown, MixRate, RevenueSplit } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import { dimensionLabel, formatChange, formatValue, valueLabel } from "@/lib/format";
import { DataTable } from "@/lib/ui/data-table";
import { EmptyState } from "@/lib/ui/empty-state";
import { breakdownMetrics, buildDrillTree, byConcentration } from "../utils/drill-tree";
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { waterfallSteps } from "../utils/waterfall";
import { DrillTree } from "./drill-tree";
import { MetricPicker } from "./metric-picker";
import { WaterfallChart } from "./waterfall-chart";

export function contributorSteps(b: Breakdown) {
  const { previous, current } = b.total;
  if (typeof previous !== "number" || typeof current !== "number") {
    return null;
  }
  return waterfallSteps(
    previous,
    current,
    b.rows
      .filter((r) => typeof r.contribution === "number")
      .map((r) => ({ label: valueLabel(r.value), value: r.contribution as number })),
  );
}

function RevenueSplitView({ split, index, currency }: { split: RevenueSplit; index: MetricIndex; currency?: string }) {
  const revenue = metricInfo(index, "revenue");
  const effects = [
    { label: "Traffic", value: split.traffic_effect },
    { label: "Conversion", value: split.conversion_effect },
    { label: "Basket size", value: split.basket_effect },
  ].filter((e): e is { label: string; value: number } => typeof e.value === "number");
  if (!split.available || typeof split.previous !== "number" || typeof split.current !== "number" || effects.length === 0) {
    return null;
  }
  const steps = waterfallSteps(split.previous, split.current, effects, 3, {
    start: "Previous",
    end: "Current",
    other: "Interaction",
  });
  const conv = metricInfo(index, "conversion_rate");
  const aov = metricInfo(index, "aov");
  const pair = (p: { current: number | null; previous: number | null } | null, f: (v: number | null) => string) =>
    p ? `${f(p.previous)} → ${f(p.current)}` : "n/a";
  return (
    <div className="panel-part">
      <h3 className="subhead">Revenue split: traffic × conversion × basket</h3>
      <p className="muted" data-testid="revenue-split">
        Visits {pair(split.visits, (v) => formatValue(v, "count", "count0"))} · conversion{" "}
        {pair(split.conversion_rate, (v) => formatValue(v, conv.unit, conv.format))} · order value{" "}
        {pair(split.aov, (v) => formatValue(v, aov.unit, aov.format, { currency }))}
      </p>
      <p className="muted">
        {effects.map((e) => `${e.label} ${formatChange(e.value, "currency", revenue.format, { currency })}`).join(" · ")}
      </p>
      <WaterfallChart
        steps={steps}
        unit="currency"
        changeUnit="currency"
        format={revenue.format}
        currency={currency}
        label="Revenue change split into traffic, conversion and basket effects"
      />
    </div>
  );
}

function MixRateTable({ rows, metric, index, fileParts }: { rows: MixRate[]; metric: string; index: MetricIndex; fileParts: string[] }) {
  const info = metricInfo(index, metric);
  const fmt = (v: number | null) => formatChange(v, info.changeUnit, info.format);
  return (
    <div className="panel-part">
      <h3 className="subhead">{info.label}: mix and rate effects by dimension</h3>
      <DataTable<MixRate>
        caption={`${info.label}: change split into mix and rate effects`}
        captionHidden
        rows={rows}
        rowKey={(r) => r.dimension}
        csvFileName={csvFileName([...fileParts, metric, "mix_rate"])}
        columns={[
          { key: "dimension", header: "Dimension", sortValue: (r) => r.dimension, render: (r) => dimensionLabel(r.dimension) },
          { key: "change", header: "Change", numeric: true, sortValue: (r) => r.change, render: (r) => fmt(r.change) },
          {
            key: "mix_effect",
            header: "Mix effect",
            help: "Part of the change from the mix moving between values of the dimension",
            numeric: true,
            sortValue: (r) => r.mix_effect,
            render: (r) => fmt(r.mix_effect),
          },
          {
            key: "rate_effect",
            header: "Rate effect",
            help: "Part of the change from the values' own rates moving",
            numeric: true,
            sortValue: (r) => r.rate_effect,
            render: (r) => fmt(r.rate_effect),
          },
        ]}
      />
    </div>
  );
}

export function DriversSection({
  doc,
  index,
  fileParts,
  currency,
}: {
  doc: { breakdowns: Breakdown[]; decompositions?: { revenue_split?: RevenueSplit | null; mix_rate?: MixRate[] } | null };
  index: MetricIndex;
  fileParts: string[];
  currency?: string;
}) {
  const metrics = breakdownMetrics(doc.breakdowns);
  const [metric, setMetric] = useState(metrics[0] ?? "");
  const current = metrics.includes(metric) ? metric : (metrics[0] ?? "");
  const top = byConcentration(
    doc.breakdowns.filter((b) => b.metric === current && b.parent === null),
    (b) => b.rows,
  );
  const [dimension, setDimension] = useState(top[0]?.dimension ?? "");
  const chosen = top.find((b) => b.dimension === dimension) ?? top[0];
  const info = metricInfo(index, current);
  const tree = buildDrillTree(doc.breakdowns, current);
  const steps = chosen ? contributorSteps(chosen) : null;
  const split = doc.decompositions?.revenue_split;
  const mixRate = (doc.decompositions?.mix_rate ?? []).filter((m) => m.metric === current);

  if (metrics.length === 0) {
    return <EmptyState title="No driver breakdowns in this report">The engine found no breakdown to show.</EmptyState>;
  }
  return (
    <>
      <div className="toolbar no-print">
        <MetricPicker metrics={metrics} value={current} index={index} onChange={setMetric} testId="drivers-metric" />
        {top.length > 0 ? (
          <label className="filter">
            <span className="filter__label">Contributors by</span>
            <select className="select" value={chosen?.dimension ?? ""} onChange={(e) => setDimension(e.target.value)}>
              {top.map((b) => (
                <option key={b.dimension} value={b.dimension}>
                  {dimensionLabel(b.dimension)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <div className="drivers">
        <div className="panel-part">
          <h3 className="subhead">
            Change in {info.label.toLowerCase()} by {chosen ? dimensionLabel(chosen.dimension).toLowerCase() : "contributor"}
          </h3>
          {steps ? (
            <WaterfallChart
              steps={steps}
              unit={info.unit}
              changeUnit={info.changeUnit}
              format={info.format}
              currency={currency}
              higherIsBetter={info.direction !== "lower_is_better"}
              label={`${info.label}: previous period, the largest contributors, then the current period`}
            />
          ) : (
            <EmptyState title="No contributors to show" />
          )}
        </div>
        <div className="panel-part">
          <h3 className="subhead">Drill down: {info.label.toLowerCase()} across dimensions and levels</h3>
          <DrillTree groups={tree} metric={info} currency={currency} />
        </div>
      </div>
      {mixRate.length > 0 ? <MixRateTable rows={mixRate} metric={current} index={index} fileParts={fileParts} /> : null}
      {split && current === "revenue" ? <RevenueSplitView split={split} index={index} currency={currency} /> : null}
    </>
  );
}
