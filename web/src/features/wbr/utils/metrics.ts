// What the report knows about each metric (label, unit, format), gathered from its tiles, and how every named
// number behind a finding is shown: a level in the metric's unit, a change in its change unit, a share or a
// relative change in percent (docs/contracts.md §2 lists the names).
import type { ChangeUnit, KpiTile, Unit, WbrDocument } from "@/api/contract";
import {
  changeUnitOf,
  formatChange,
  formatPercentChange,
  formatShare,
  formatValue,
  humanize,
  type FormatOptions,
} from "@/lib/format";

export interface MetricInfo {
  id: string;
  label: string;
  unit: Unit;
  format: string;
  changeUnit: ChangeUnit;
  direction: KpiTile["direction"];
  group: string | null;
  description: string | null;
}

export type MetricIndex = Map<string, MetricInfo>;

/** Every metric the report names: the catalog entries it carries (`metrics`), else its tiles. */
export function metricIndex(doc: Pick<WbrDocument, "kpis" | "derived" | "metrics">): MetricIndex {
  const index: MetricIndex = new Map();
  for (const t of [...doc.kpis, ...doc.derived]) {
    index.set(t.metric, {
      id: t.metric,
      label: t.label,
      unit: t.unit,
      format: t.format,
      changeUnit: t.change_unit ?? changeUnitOf(t.unit),
      direction: t.direction,
      group: t.group ?? null,
      description: t.description ?? null,
    });
  }
  for (const m of doc.metrics ?? []) {
    index.set(m.id, {
      id: m.id,
      label: m.label,
      unit: m.unit,
      format: m.format,
      changeUnit: m.change_unit ?? changeUnitOf(m.unit),
      direction: m.direction,
      group: m.group ?? null,
      description: m.description ?? null,
    });
  }
  return index;
}

export function metricInfo(index: MetricIndex, id: string): MetricInfo {
  return (
    index.get(id) ?? {
      id,
      label: humanize(id),
      unit: "count",
      format: "count2",
      changeUnit: "count",
      direction: "neutral",
      group: null,
      description: null,
    }
  );
}

// the names of docs/insights.md ("numbers by type"): levels, changes, money, percentages, scores, counts
const LEVELS = new Set(["current", "previous", "expected", "baseline", "value", "forecast"]);
const CHANGES = new Set([
  "change",
  "impact",
  "contribution",
  "total_change",
  "mix_effect",
  "rate_effect",
  "traffic_effect",
  "conversion_effect",
  "basket_effect",
  "deviation",
  "residual",
  "delta",
]);
const MONEY = new Set([
  "budget",
  "spend",
  "spend_previous",
  "spend_to_date",
  "budget_to_date",
  "projected_spend",
  "run_rate",
  "period_spend",
  "period_budget",
  "revenue",
  "remaining",
  "cost",
  "value_at_stake",
]);
const SIGNED_MONEY = new Set(["projected_over_under"]);
const INDEX = new Set(["pulse_current", "pulse_previous"]);
const COUNTS = new Set(["weeks_elapsed", "weeks_total"]);
const SCORES = new Set(["zscore", "score", "anomaly_zscore", "projection_z"]);
const SHARES =
  /^(share_current|share_previous|share_of_change|contribution_pct|spend_share_pct|(projected_|period_)?utilisation_pct|expected_pct)$/;
const RELATIVE = /_pct$/;

const NUMBER_LABELS: Record<string, string> = {
  current: "Current",
  previous: "Previous",
  change: "Change",
  change_pct: "Change, %",
  share_of_change: "Share of the total change",
  contribution: "Contribution",
  contribution_pct: "Contribution, % of change",
  share_current: "Share now",
  share_previous: "Share before",
  share_shift_pp: "Share shift",
  mix_effect: "Mix effect",
  rate_effect: "Rate effect",
  traffic_effect: "Traffic effect",
  conversion_effect: "Conversion effect",
  basket_effect: "Basket effect",
  expected: "Expected",
  zscore: "z-score",
  market_growth_pct: "Market growth",
  internal_growth_pct: "Our growth",
  gap_pp: "Gap to market",
  budget: "Budget",
  spend: "Spend",
  utilisation_pct: "Budget used",
  impact: "Impact",
  total_change: "Total change",
  deviation: "Deviation from expected",
  deviation_pct: "Deviation, %",
  anomaly_zscore: "Anomaly z-score",
  anomaly_deviation_pct: "Deviation from expected, %",
  pulse_current: "Market pulse now",
  pulse_previous: "Market pulse before",
  spend_previous: "Spend before",
  spend_share_pct: "Share of spend",
  spend_to_date: "Spend to date",
  budget_to_date: "Budget to date",
  projected_spend: "Projected spend",
  projected_utilisation_pct: "Projected budget use",
  projected_over_under: "Projected over / under budget",
  projection_z: "Projection z-score",
  run_rate: "Weekly run rate",
  weeks_elapsed: "Weeks elapsed",
  weeks_total: "Weeks in the quarter",
  period_spend: "Spend this period",
  period_budget: "Budget this period",
  period_utilisation_pct: "Budget use this period",
  value_at_stake: "Value at stake",
};

export function numberLabel(name: string): string {
  return NUMBER_LABELS[name] ?? humanize(name);
}

/** One named number of a finding, formatted for reading. */
export function formatNamedNumber(
  name: string,
  value: number | null | undefined,
  metric: MetricInfo,
  opts: FormatOptions = {},
): string {
  if (name.endsWith("_pp")) {
    return formatChange(value, "pp", "percent1", opts);
  }
  if (SHARES.test(name)) {
    return formatShare(value, opts);
  }
  if (RELATIVE.test(name)) {
    return formatPercentChange(value, opts);
  }
  if (MONEY.has(name)) {
    return formatValue(value, "currency", "currency0", opts);
  }
  if (SIGNED_MONEY.has(name)) {
    return formatChange(value, "currency", "currency0", opts);
  }
  if (INDEX.has(name)) {
    return formatValue(value, "index", "index1", opts);
  }
  if (COUNTS.has(name)) {
    return formatValue(value, "count", "count0", opts);
  }
  if (LEVELS.has(name)) {
    return formatValue(value, metric.unit, metric.format, opts);
  }
  if (CHANGES.has(name)) {
    return formatChange(value, metric.changeUnit, metric.format, opts);
  }
  if (SCORES.has(name)) {
    return typeof value === "number" && Number.isFinite(value) ? value.toFixed(2) : "n/a";
  }
  return formatValue(value, "count", "count2", opts);
}

/** The exact value, as the server sent it: what a reader checks a rounded figure against. */
export function exactNumber(value: number | null | undefined): string {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return "not available";
  }
  return String(value);
}
