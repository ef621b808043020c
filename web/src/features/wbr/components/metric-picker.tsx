import { metricInfo, type MetricIndex } from "../utils/metrics";

/** The metric a drivers or breakdowns view shows, from the metrics the report has breakdowns for. */
export function MetricPicker({
  metrics,
  value,
  index,
  onChange,
  testId,
}: {
  metrics: readonly string[];
  value: string;
  index: MetricIndex;
  onChange: (metric: string) => void;
  testId?: string;
}) {
  return (
    <label className="filter">
      <span className="filter__label">Metric</span>
      <select className="select" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {metrics.map((m) => (
          <option key={m} value={m}>
            {metricInfo(index, m).label}
          </option>
        ))}
      </select>
    </label>
  );
}
