// The change of a metric from the previous to the current period, walked through its contributors: the largest
// contributions by size, then one "Other" step so the bars always add up to the real total change.
export interface WaterfallStep {
  label: string;
  kind: "start" | "step" | "other" | "end";
  /** The step's own value: the period total for start and end, the contribution for a step. */
  value: number;
  /** Where the bar starts and ends on the axis. */
  from: number;
  to: number;
}

export interface Contribution {
  label: string;
  value: number;
}

export function waterfallSteps(
  previous: number,
  current: number,
  contributions: readonly Contribution[],
  maxSteps = 6,
  labels = { start: "Previous", end: "Current", other: "Other" },
): WaterfallStep[] {
  const finite = contributions.filter((c) => Number.isFinite(c.value));
  const top = [...finite]
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.label.localeCompare(b.label))
    .slice(0, maxSteps);
  const steps: WaterfallStep[] = [{ label: labels.start, kind: "start", value: previous, from: 0, to: previous }];
  let level = previous;
  for (const c of top) {
    steps.push({ label: c.label, kind: "step", value: c.value, from: level, to: level + c.value });
    level += c.value;
  }
  const rest = current - level;
  // rounding noise is not a contributor
  if (Math.abs(rest) > Math.max(1e-9, Math.abs(current - previous) * 1e-6)) {
    steps.push({ label: labels.other, kind: "other", value: rest, from: level, to: current });
  }
  steps.push({ label: labels.end, kind: "end", value: current, from: 0, to: current });
  return steps;
}
