// The exact numbers behind a finding (or a KPI figure): every named number, formatted as the report shows it and
// beside it the value the server sent, at full precision, so a reader can check any rounded figure.
import type { Finding, KpiTile } from "@/api/contract";
import { pathLabel, humanize } from "@/lib/format";
import { exactNumber, formatNamedNumber, metricInfo, numberLabel, type MetricIndex } from "../utils/metrics";

export function NumbersTable({
  numbers,
  metric,
  index,
  highlight,
  currency,
}: {
  numbers: Record<string, number | null>;
  metric: string;
  index: MetricIndex;
  highlight?: string | null;
  currency?: string;
}) {
  const info = metricInfo(index, metric);
  return (
    <table className="numbers">
      <thead>
        <tr>
          <th scope="col">Figure</th>
          <th scope="col" className="num">
            Shown
          </th>
          <th scope="col" className="num">
            Exact
          </th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(numbers).map(([name, value]) => (
          <tr key={name} className={name === highlight ? "numbers__hit" : undefined}>
            <th scope="row">{numberLabel(name)}</th>
            <td className="num">{formatNamedNumber(name, value, info, { currency })}</td>
            <td className="num mono">{exactNumber(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function findingTypeLabel(type: string): string {
  const labels: Record<string, string> = {
    kpi_change: "KPI change",
    driver: "Driver",
    root_cause: "Root cause",
    mix_rate: "Mix vs rate",
    revenue_split: "Revenue split",
    anomaly: "Anomaly",
    market_pulse: "Market pulse",
    marketing_efficiency: "Marketing efficiency",
    budget_pacing: "Budget pacing",
  };
  return labels[type] ?? humanize(type);
}

export function FindingSummary({
  finding,
  index,
  currency,
  highlight,
}: {
  finding: Finding;
  index: MetricIndex;
  currency?: string;
  /** The number the reader came from (a summary figure's field), marked in the table. */
  highlight?: string | null;
}) {
  return (
    <div className="finding-summary">
      <p className="finding-summary__title">{finding.title}</p>
      <p className="finding-summary__meta">
        #{finding.rank} · {findingTypeLabel(finding.type)} · {metricInfo(index, finding.metric).label} ·{" "}
        {pathLabel(finding.path, "Whole category")} · significance {finding.significance.level}
      </p>
      <NumbersTable
        numbers={finding.numbers}
        metric={finding.metric}
        index={index}
        currency={currency}
        highlight={highlight}
      />
    </div>
  );
}

export function tileNumbers(tile: KpiTile): Record<string, number | null> {
  return { current: tile.current, previous: tile.previous, change: tile.change, change_pct: tile.change_pct };
}
