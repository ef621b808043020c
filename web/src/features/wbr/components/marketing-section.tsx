// Marketing efficiency by paid channel (spend, share of spend, paid revenue, ROAS, CPC, CTR, CPA — whichever the
// report has, each with its previous value) and budget pacing in the retail quarter: spend to date against budget to
// date, and where the run rate lands at the quarter's end.
import type { BudgetPacing, Marketing, MarketingChannel, Unit } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import { formatChange, formatShare, formatValue, valueLabel } from "@/lib/format";
import { DataTable, type Column } from "@/lib/ui/data-table";
import { EmptyState } from "@/lib/ui/empty-state";

interface Measure {
  key: string;
  header: string;
  unit: Unit;
  format: string;
  /** Which way is good, for the arrow's verdict; null: neutral (spend). */
  higherIsBetter: boolean | null;
}

const MEASURES: Measure[] = [
  { key: "spend", header: "Spend", unit: "currency", format: "currency0", higherIsBetter: null },
  { key: "paid_revenue", header: "Paid revenue", unit: "currency", format: "currency0", higherIsBetter: true },
  { key: "roas", header: "ROAS", unit: "ratio", format: "ratio2", higherIsBetter: true },
  { key: "cpc", header: "CPC", unit: "currency", format: "currency2", higherIsBetter: false },
  { key: "ctr", header: "CTR", unit: "percent", format: "percent2", higherIsBetter: true },
  { key: "cpa", header: "CPA", unit: "currency", format: "currency2", higherIsBetter: false },
  { key: "clicks", header: "Clicks", unit: "count", format: "count0", higherIsBetter: true },
  { key: "conversions", header: "Conversions", unit: "count", format: "count0", higherIsBetter: true },
];

export const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function Cell({ now, before, m, currency }: { now: number | null; before: number | null; m: Measure; currency?: string }) {
  const text = formatValue(now, m.unit, m.format, { currency });
  if (now === null || before === null || now === before) {
    return <>{text}</>;
  }
  const up = now > before;
  const verdict = m.higherIsBetter === null ? "neutral" : up === m.higherIsBetter ? "favourable" : "unfavourable";
  return (
    <span className="cell-change">
      {text}{" "}
      <span className={`change change--${verdict} cell-change__was`}>
        <span aria-hidden="true">{up ? "▲" : "▼"}</span>
        <span className="visually-hidden">{up ? "up" : "down"}</span> from{" "}
        {formatValue(before, m.unit, m.format, { currency })}
      </span>
    </span>
  );
}

export function channelColumns(channels: MarketingChannel[], currency?: string): Column<MarketingChannel>[] {
  const present = MEASURES.filter((m) => channels.some((c) => num(c[m.key]) !== null));
  const cols: Column<MarketingChannel>[] = [
    { key: "traffic_l1", header: "Channel", sortValue: (c) => c.traffic_l1, render: (c) => valueLabel(c.traffic_l1) },
  ];
  if (channels.some((c) => num(c.spend_share_pct) !== null)) {
    cols.push({
      key: "spend_share_pct",
      header: "Share of spend",
      numeric: true,
      sortValue: (c) => num(c.spend_share_pct),
      render: (c) => formatShare(num(c.spend_share_pct)),
    });
  }
  for (const m of present) {
    cols.push({
      key: m.key,
      header: m.header,
      numeric: true,
      sortValue: (c) => num(c[m.key]),
      render: (c) => <Cell now={num(c[m.key])} before={num(c[`${m.key}_previous`])} m={m} currency={currency} />,
    });
    cols.push({
      key: `${m.key}_previous`,
      header: `${m.header} before`,
      csvOnly: true,
      numeric: true,
      sortValue: (c) => num(c[`${m.key}_previous`]),
      render: () => null,
    });
  }
  return cols;
}

export function pacingStatus(p: BudgetPacing): { text: string; warn: boolean } {
  const projected = num(p.projected_utilisation_pct);
  if (projected === null) {
    return { text: "No projection for this quarter", warn: false };
  }
  if (projected > 105) {
    return { text: "Over budget: at this run rate the quarter ends above plan", warn: true };
  }
  if (projected < 95) {
    return { text: "Under budget: at this run rate part of the budget goes unused", warn: true };
  }
  return { text: "On plan for the quarter", warn: false };
}

export function BudgetPacingView({ pacing, currency }: { pacing: BudgetPacing; currency?: string }) {
  const money = (v: number | null | undefined) => formatValue(num(v), "currency", "currency0", { currency });
  const total = num(pacing.budget_total);
  const toDate = num(pacing.spend_to_date);
  const budgetToDate = num(pacing.budget_to_date);
  if (!pacing.available || total === null || total <= 0 || toDate === null) {
    return <EmptyState title="No budget for this quarter" />;
  }
  const spentPct = (toDate / total) * 100;
  const expectedPct = budgetToDate !== null ? (budgetToDate / total) * 100 : null;
  const status = pacingStatus(pacing);
  return (
    <div className="pacing" data-testid="budget-pacing">
      <p className="pacing__figures">
        Q{pacing.quarter} ({pacing.first_week} – {pacing.last_week}), week {pacing.weeks_elapsed} of {pacing.weeks_total}:{" "}
        <strong>{money(toDate)}</strong> spent of {money(budgetToDate)} budgeted to date (
        {formatShare(num(pacing.utilisation_to_date_pct))}).
      </p>
      <div
        className="pacing__bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(Math.min(100, spentPct) * 10) / 10}
        aria-label="Quarter's budget spent so far"
      >
        <span className="pacing__fill" style={{ width: `${Math.min(100, spentPct)}%` }} />
        {expectedPct !== null ? (
          <span className="pacing__mark" style={{ left: `${Math.min(100, expectedPct)}%` }} title="budgeted to date" />
        ) : null}
      </div>
      <p className="muted pacing__legend">
        Bar: spent of the quarter's {money(total)}; mark: budgeted to date.
      </p>
      <p className="pacing__figures">
        Projected at the run rate of {money(pacing.run_rate)} a week: {money(pacing.projected_spend)} (
        {formatShare(num(pacing.projected_utilisation_pct))} of budget,{" "}
        {formatChange(num(pacing.projected_over_under), "currency", "currency0", { currency })}).
      </p>
      <p className={`pacing__status ${status.warn ? "pacing__status--warn" : ""}`}>
        <span aria-hidden="true">{status.warn ? "! " : "✓ "}</span>
        {status.text}
      </p>
    </div>
  );
}

export function MarketingSection({
  marketing,
  fileParts,
  currency,
}: {
  marketing: Marketing | null | undefined;
  fileParts: string[];
  currency?: string;
}) {
  const channels = marketing?.channels ?? [];
  if (!marketing || (channels.length === 0 && !marketing.budget_pacing?.available)) {
    return <EmptyState title="No marketing data for this report">The marketing feed has no spend for this slice.</EmptyState>;
  }
  return (
    <div className="marketing">
      <div className="panel-part">
        <h3 className="subhead">Efficiency by channel</h3>
        {channels.length > 0 ? (
          <DataTable
            caption="Marketing efficiency by channel"
            rows={channels}
            rowKey={(c) => c.traffic_l1}
            columns={channelColumns(channels, currency)}
            csvFileName={csvFileName([...fileParts, "marketing_channels"])}
            testId="marketing-channels"
            captionHidden
          />
        ) : (
          <EmptyState title="No paid channels in this period" />
        )}
      </div>
      <div className="panel-part">
        <h3 className="subhead">Budget pacing</h3>
        {marketing.budget_pacing ? (
          <BudgetPacingView pacing={marketing.budget_pacing} currency={currency} />
        ) : (
          <EmptyState title="No budget for this quarter" />
        )}
      </div>
    </div>
  );
}
