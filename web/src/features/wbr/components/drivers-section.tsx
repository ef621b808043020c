// Why the metric moved: a waterfall of the change by contributor (one dimension at a time), the revenue split
// into traffic × conversion × basket effects, and the drill-down tree across dimensions and levels.
import { useState } from "react";
import type { Breakdown, RevenueSplit, WbrDocument } from "@/api/contract";
import { dimensionLabel, formatChange, valueLabel } from "@/lib/format";
import { EmptyState } from "@/lib/ui/empty-state";
import { breakdownMetrics, buildDrillTree, parentPath } from "../utils/drill-tree";
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { waterfallSteps } from "../utils/waterfall";
import { DrillTree } from "./drill-tree";
import { WaterfallChart } from "./waterfall-chart";

function tileTotals(doc: WbrDocument, metric: string): { previous: number; current: number } | null {
  const t = [...doc.kpis, ...doc.derived].find((k) => k.metric === metric);
  if (t && typeof t.previous === "number" && typeof t.current === "number") {
    return { previous: t.previous, current: t.current };
  }
  return null;
}

function sumOf(b: Breakdown, key: "previous" | "current"): number {
  return b.rows.reduce((acc, r) => acc + (r[key] ?? 0), 0);
}

function RevenueSplitView({ split, index, currency }: { split: RevenueSplit; index: MetricIndex; currency?: string }) {
  const revenue = metricInfo(index, "revenue");
  const effects = [
    { key: "traffic_effect", label: "Traffic" },
    { key: "conversion_effect", label: "Conversion" },
    { key: "basket_effect", label: "Basket size" },
  ].filter((e) => typeof split[e.key] === "number");
  if (typeof split.previous !== "number" || typeof split.current !== "number" || effects.length === 0) {
    return null;
  }
  const steps = waterfallSteps(
    split.previous,
    split.current,
    effects.map((e) => ({ label: e.label, value: split[e.key] as number })),
    3,
    { start: "Previous", end: "Current", other: "Interaction" },
  );
  return (
    <div className="panel-part">
      <h3 className="subhead">Revenue split: traffic × conversion × basket</h3>
      <p className="muted">
        {effects
          .map((e) => `${e.label} ${formatChange(split[e.key] as number, "currency", revenue.format, { currency })}`)
          .join(" · ")}
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

export function DriversSection({ doc, index, currency }: { doc: WbrDocument; index: MetricIndex; currency?: string }) {
  const metrics = breakdownMetrics(doc.breakdowns);
  const [metric, setMetric] = useState(metrics[0] ?? "");
  const current = metrics.includes(metric) ? metric : (metrics[0] ?? "");
  const top = doc.breakdowns.filter((b) => b.metric === current && parentPath(b.parent).length === 0);
  const [dimension, setDimension] = useState(top[0]?.dimension ?? "");
  const chosen = top.find((b) => b.dimension === dimension) ?? top[0];
  const info = metricInfo(index, current);
  const tree = buildDrillTree(doc.breakdowns, current);

  const totals = chosen
    ? (tileTotals(doc, current) ?? { previous: sumOf(chosen, "previous"), current: sumOf(chosen, "current") })
    : null;
  const steps =
    chosen && totals
      ? waterfallSteps(
          totals.previous,
          totals.current,
          chosen.rows.map((r) => ({ label: valueLabel(r.value), value: r.contribution ?? r.change ?? 0 })),
        )
      : null;

  const split = doc.decompositions?.revenue_split;
  if (metrics.length === 0) {
    return <EmptyState title="No driver breakdowns in this report">The engine found no breakdown to show.</EmptyState>;
  }
  return (
    <>
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
      {split && current === "revenue" ? <RevenueSplitView split={split} index={index} currency={currency} /> : null}
    </>
  );
}
