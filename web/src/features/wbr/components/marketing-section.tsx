// Marketing efficiency by channel (spend, revenue, ROAS, CPC, CTR — whichever the report has) and budget pacing:
// how much of the period's budget is spent against how much should be by now.
import type { BudgetPacing, Marketing, MarketingChannel } from "@/api/contract";
import { csvFileName } from "@/lib/csv";
import { formatShare, formatValue, valueLabel } from "@/lib/format";
import { DataTable, type Column } from "@/lib/ui/data-table";
import { EmptyState } from "@/lib/ui/empty-state";

type Spec = { key: string; header: string; unit: "currency" | "ratio" | "percent" | "count"; format: string };

const CHANNEL_FIELDS: Spec[] = [
  { key: "spend", header: "Spend", unit: "currency", format: "currency0" },
  { key: "revenue", header: "Revenue", unit: "currency", format: "currency0" },
  { key: "roas", header: "ROAS", unit: "ratio", format: "ratio2" },
  { key: "cpc", header: "CPC", unit: "currency", format: "currency2" },
  { key: "ctr", header: "CTR", unit: "percent", format: "percent2" },
  { key: "clicks", header: "Clicks", unit: "count", format: "count0" },
  { key: "impressions", header: "Impressions", unit: "count", format: "count0" },
];

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function channelColumns(channels: MarketingChannel[], currency?: string): Column<MarketingChannel>[] {
  const present = CHANNEL_FIELDS.filter((f) => channels.some((c) => num(c[f.key]) !== null));
  return [
    { key: "traffic_l1", header: "Channel", sortValue: (c) => c.traffic_l1, render: (c) => valueLabel(c.traffic_l1) },
    ...present.map<Column<MarketingChannel>>((f) => ({
      key: f.key,
      header: f.header,
      numeric: true,
      sortValue: (c) => num(c[f.key]),
      render: (c) => formatValue(num(c[f.key]), f.unit, f.format, { currency }),
    })),
  ];
}

export function BudgetPacingView({ pacing, currency }: { pacing: BudgetPacing; currency?: string }) {
  const used = num(pacing.utilisation_pct);
  const expected = num(pacing.expected_pct);
  const budget = num(pacing.budget);
  const spend = num(pacing.spend);
  if (used === null && (budget === null || spend === null)) {
    return <EmptyState title="No budget for this period" />;
  }
  const pct = used ?? (budget ? ((spend ?? 0) / budget) * 100 : 0);
  const over = expected !== null && pct > expected + 5;
  const under = expected !== null && pct < expected - 15;
  const status = over ? "Ahead of plan: spending faster than budgeted" : under ? "Behind plan: budget under-used" : "On plan";
  return (
    <div className="pacing" data-testid="budget-pacing">
      <p className="pacing__figures">
        <strong>{formatShare(pct)}</strong> of the budget used
        {budget !== null ? ` (${formatValue(spend, "currency", "currency0", { currency })} of ${formatValue(budget, "currency", "currency0", { currency })})` : ""}
        {expected !== null ? `; ${formatShare(expected)} expected by now` : ""}.
      </p>
      <div
        className="pacing__bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={Math.max(100, Math.ceil(pct))}
        aria-valuenow={Math.round(pct * 10) / 10}
        aria-label="Budget used"
      >
        <span className={`pacing__fill ${over ? "pacing__fill--over" : ""}`} style={{ width: `${Math.min(100, pct)}%` }} />
        {expected !== null ? <span className="pacing__mark" style={{ left: `${Math.min(100, expected)}%` }} title="expected by now" /> : null}
      </div>
      <p className={`pacing__status ${over || under ? "pacing__status--warn" : ""}`}>
        <span aria-hidden="true">{over || under ? "! " : "✓ "}</span>
        {status}
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
  if (!marketing || (channels.length === 0 && !marketing.budget_pacing)) {
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
          <EmptyState title="No budget for this period" />
        )}
      </div>
    </div>
  );
}
