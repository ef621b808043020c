// The change of a metric walked from the previous to the current period through its contributors (ECharts bars on
// an invisible base). The axis starts near the lowest level, not at zero, so that the steps are visible; the chart
// says so. Every step's value is written on its bar, signed, so colour is never the only cue.
import { lazy, Suspense, useMemo } from "react";
import type { ChangeUnit, Unit } from "@/api/contract";
import { formatChange, formatValue } from "@/lib/format";
import { Skeleton } from "@/lib/ui/skeleton";
import type { WaterfallStep } from "../utils/waterfall";

const EChart = lazy(() => import("@/lib/ui/echart"));

const COLOURS = { start: "#5b6b82", end: "#1f4e79", up: "#2e7d4f", down: "#b3372f", other: "#8a94a6" };

function niceFloor(v: number): number {
  if (v <= 0) {
    return 0;
  }
  const mag = 10 ** Math.floor(Math.log10(v));
  return Math.floor(v / mag) * mag;
}

export function WaterfallChart({
  steps,
  unit,
  changeUnit,
  format,
  label,
  currency,
  higherIsBetter = true,
}: {
  steps: WaterfallStep[];
  unit: Unit;
  changeUnit: ChangeUnit;
  format: string;
  label: string;
  currency?: string;
  higherIsBetter?: boolean;
}) {
  const option = useMemo(() => {
    const levels = steps.flatMap((s) => (s.kind === "start" || s.kind === "end" ? [s.to] : [s.from, s.to]));
    const low = Math.min(...levels);
    const high = Math.max(...levels);
    const min = low > 0 ? niceFloor(low - (high - low) * 0.6) : undefined;
    const text = (s: WaterfallStep) =>
      s.kind === "start" || s.kind === "end"
        ? formatValue(s.value, unit, format, { compact: true, currency })
        : formatChange(s.value, changeUnit, format, { compact: true, currency });
    const colour = (s: WaterfallStep) => {
      if (s.kind === "start") return COLOURS.start;
      if (s.kind === "end") return COLOURS.end;
      if (s.kind === "other") return COLOURS.other;
      return s.value >= 0 === higherIsBetter ? COLOURS.up : COLOURS.down;
    };
    return {
      grid: { left: 8, right: 8, top: 28, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (items: { dataIndex: number }[]) => {
          const s = steps[items[0]?.dataIndex ?? 0];
          return s ? `${s.label}: ${text(s)}` : "";
        },
      },
      xAxis: {
        type: "category",
        data: steps.map((s) => s.label),
        axisLabel: { interval: 0, width: 90, overflow: "truncate", color: "#3b4554" },
      },
      yAxis: {
        type: "value",
        min,
        axisLabel: {
          color: "#5b6575",
          formatter: (v: number) => formatValue(v, unit, format, { compact: true, currency }),
        },
        splitLine: { lineStyle: { color: "#e6e9ef" } },
      },
      series: [
        {
          type: "bar",
          stack: "w",
          silent: true,
          itemStyle: { color: "transparent" },
          data: steps.map((s) => (s.kind === "start" || s.kind === "end" ? 0 : Math.min(s.from, s.to))),
        },
        {
          type: "bar",
          stack: "w",
          barMaxWidth: 56,
          data: steps.map((s) => ({
            value: s.kind === "start" || s.kind === "end" ? s.to : Math.abs(s.to - s.from),
            itemStyle: { color: colour(s), borderRadius: 2 },
          })),
          label: {
            show: true,
            position: "top",
            color: "#1d2430",
            fontSize: 11,
            formatter: (p: { dataIndex: number }) => {
              const s = steps[p.dataIndex];
              return s ? text(s) : "";
            },
          },
        },
      ],
    };
  }, [steps, unit, changeUnit, format, currency, higherIsBetter]);

  return (
    <figure className="chart-figure">
      <Suspense fallback={<Skeleton height="260px" width="100%" />}>
        <EChart option={option} height={260} label={label} testId="waterfall" />
      </Suspense>
      <figcaption className="chart-caption">
        {label}. The axis does not start at zero.
      </figcaption>
    </figure>
  );
}
