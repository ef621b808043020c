// The shapes the UI renders, after docs/contracts.md §2–§5 and BRIEF §6. The request/response envelopes of the
// backend come from its OpenAPI document (src/api/generated/); the report's inner shapes are the contract's.
// Every numeric field is a plain JSON number at full precision (or null when not available): the UI formats.

export type Unit = "currency" | "percent" | "count" | "index" | "ratio";
/** The unit of a change: percentage points for percent metrics, else the metric's own unit. */
export type ChangeUnit = Unit | "pp";
export type MetricDirection = "higher_is_better" | "lower_is_better" | "neutral";
export type ReportWindow = "WoW" | "MoM" | "QoQ" | "YoY";
export const REPORT_WINDOWS: readonly ReportWindow[] = ["WoW", "MoM", "QoQ", "YoY"];

export type Role = "category_manager" | "regional_manager" | "leadership" | "admin";

export interface PathStep {
  dimension: string;
  value: string;
}

export interface Significance {
  score: number;
  level: "high" | "medium" | "low";
  method: string;
}

export type FindingType =
  | "kpi_change"
  | "driver"
  | "root_cause"
  | "mix_rate"
  | "revenue_split"
  | "anomaly"
  | "market_pulse"
  | "marketing_efficiency"
  | "budget_pacing";

export interface Finding {
  id: string;
  rank: number;
  type: FindingType | string;
  metric: string;
  window: string;
  path: PathStep[];
  direction: "up" | "down" | "flat";
  favourable: boolean | null;
  impact: number;
  impact_unit: ChangeUnit | string;
  significance: Significance;
  numbers: Record<string, number | null>;
  title: string;
  /** Engine additions (docs/insights.md): currency value at stake; the finding this one explains. */
  value_at_stake?: number | null;
  explains?: string | null;
  dimension?: string;
}

export interface SparkPoint {
  week: string;
  value: number | null;
}

export interface KpiTile {
  metric: string;
  label: string;
  kind: "additive" | "ratio";
  unit: Unit;
  format: string;
  direction: MetricDirection;
  available: boolean;
  current: number | null;
  previous: number | null;
  change: number | null;
  change_pct: number | null;
  change_unit: ChangeUnit;
  favourable: boolean | null;
  significance: Significance | null;
  /** The report week's expected value from trend and seasonality, and how far off it is. */
  expected?: number | null;
  anomaly_zscore?: number | null;
  sparkline: SparkPoint[];
  description?: string;
  group?: string;
}

/** A metric of the catalog as the report carries it (config/metrics.yaml). */
export interface MetricDef {
  id: string;
  label: string;
  description: string;
  kind: "additive" | "ratio";
  unit: Unit;
  change_unit: ChangeUnit;
  format: string;
  direction: MetricDirection;
  missing: "zero" | "previous" | "not_available";
  group: string;
  numerator?: string;
  denominator?: string;
}

export interface BreakdownRow {
  value: string;
  /** For a hierarchy level (traffic_l2): the value of the parent level this row belongs to. */
  parent_value?: string;
  current: number | null;
  previous: number | null;
  change: number | null;
  change_pct: number | null;
  contribution: number | null;
  contribution_pct: number | null;
  share_current: number | null;
  share_previous: number | null;
  share_shift_pp: number | null;
  mix_effect?: number | null;
  rate_effect?: number | null;
}

export interface BreakdownOther {
  values: number;
  current: number | null;
  previous: number | null;
  contribution: number | null;
  share_current: number | null;
  share_previous: number | null;
}

export interface Breakdown {
  dimension: string;
  /** The parent dimension of a hierarchy level (traffic_l1 for traffic_l2), or null. */
  parent: string | null;
  metric: string;
  total: { current: number | null; previous: number | null; change: number | null };
  /** At most 20, by |contribution|, largest first; rows and other sum to total.change. */
  rows: BreakdownRow[];
  other: BreakdownOther | null;
}

export interface Pair {
  current: number | null;
  previous: number | null;
}

export interface RevenueSplit {
  available: boolean;
  metric: "revenue";
  method: string;
  current: number | null;
  previous: number | null;
  change: number | null;
  traffic_effect: number | null;
  conversion_effect: number | null;
  basket_effect: number | null;
  visits: Pair | null;
  conversion_rate: Pair | null;
  aov: Pair | null;
}

export interface MixRate {
  metric: string;
  dimension: string;
  current: number | null;
  previous: number | null;
  change: number | null;
  mix_effect: number | null;
  rate_effect: number | null;
}

export interface MarketPulsePoint {
  week: string;
  pulse_index: number | null;
  internal_index: number | null;
}

export interface MarketPulse {
  available: boolean;
  series: MarketPulsePoint[];
  market_growth_pct: number | null;
  internal_growth_pct: number | null;
  gap_pp: number | null;
  expected_revenue: number | null;
  impact: number | null;
  significance: Significance | null;
}

/** One paid channel: each measure now and in the previous period (`<name>_previous`). */
export interface MarketingChannel {
  traffic_l1: string;
  spend_share_pct?: number | null;
  [measure: string]: string | number | null | undefined;
}

export interface BudgetPacing {
  available: boolean;
  quarter: number;
  first_week: string | null;
  last_week: string | null;
  weeks_elapsed: number;
  weeks_total: number;
  spend_to_date?: number | null;
  budget_to_date?: number | null;
  utilisation_to_date_pct?: number | null;
  run_rate?: number | null;
  projected_spend?: number | null;
  budget_total?: number | null;
  projected_utilisation_pct?: number | null;
  projected_over_under?: number | null;
  period_spend?: number | null;
  period_budget?: number | null;
  period_utilisation_pct?: number | null;
}

export interface Marketing {
  channels: MarketingChannel[];
  budget_pacing: BudgetPacing | null;
}

/** Where a figure sits in the summary: the service renders every number from a finding or KPI field and records
 * it here (docs/schemas/summary_response.schema.json). start/end are UTF-16 offsets into that part's text. */
export type SummaryPart = "headline" | "bullet" | "action" | "caveat";

export interface FigureSpan {
  part: SummaryPart;
  index: number;
  start: number;
  end: number;
  text: string;
  finding_id: string | null;
  metric: string;
  field: string;
  value: number;
}

export interface SummaryBullet {
  text: string;
  finding_ids: string[];
}

export interface SummaryCheck {
  name: string;
  status: "pass" | "fail" | "applied" | "skipped";
  detail?: string;
  attempt?: number;
}

export interface Summary {
  headline: string;
  bullets: SummaryBullet[];
  actions: string[];
  caveats: string[];
  figures: FigureSpan[];
  model: string;
  provider?: string;
  prompt_version: string;
  cached: boolean;
  checks: SummaryCheck[];
  usage?: { prompt_tokens: number; completion_tokens: number; cost_micros: number; [k: string]: number };
}

export interface ReportMeta {
  snapshot: string;
  generated_at: string;
  engine_version?: string;
  /** Catalog ids whose value is not available for this slice. */
  not_available?: string[];
  cache?: "hit" | "miss" | string;
  stale?: boolean;
  degraded?: boolean;
  reasons?: (string | { code?: string; message: string })[];
  summary_reason?: string | null;
  currency?: string;
}

export interface WbrDocument {
  category: string;
  region: string;
  window: ReportWindow | string;
  week: string;
  periods: { current: { first: string; last: string }; previous: { first: string; last: string } };
  kpis: KpiTile[];
  derived: KpiTile[];
  breakdowns: Breakdown[];
  decompositions?: { revenue_split?: RevenueSplit | null; mix_rate?: MixRate[] } | null;
  metrics?: MetricDef[];
  market_pulse?: MarketPulse | null;
  marketing?: Marketing | null;
  findings: Finding[];
  summary: Summary | null;
  meta: ReportMeta;
}

export interface ReportSelection {
  category: string;
  region: string;
  window: ReportWindow;
  week: string;
}
