// A sparkline of the recent weeks, drawn as a small SVG (no chart library for 40 pixels). Missing weeks leave a gap;
// the last point, the current period, is marked.
import type { SparkPoint } from "@/api/contract";

export function sparkPath(points: readonly SparkPoint[], width: number, height: number, pad = 2): string {
  const values = points.map((p) => p.value).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (values.length < 2) {
    return "";
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = (width - pad * 2) / (points.length - 1);
  let d = "";
  let pen = false;
  points.forEach((p, i) => {
    if (typeof p.value !== "number" || !Number.isFinite(p.value)) {
      pen = false;
      return;
    }
    const x = pad + i * step;
    const y = height - pad - ((p.value - min) / span) * (height - pad * 2);
    d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  });
  return d;
}

export function Sparkline({ points, label }: { points: readonly SparkPoint[]; label: string }) {
  const width = 120;
  const height = 32;
  const d = sparkPath(points, width, height);
  if (d === "") {
    return <span className="sparkline sparkline--empty" aria-hidden="true" />;
  }
  const last = d.split(/[ML]/).filter(Boolean).pop()?.split(",") ?? [];
  const first = points[0]?.week;
  const final = points[points.length - 1]?.week;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`${label}, ${first} to ${final}`}
      preserveAspectRatio="none"
    >
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
      {last.length === 2 ? <circle cx={last[0]} cy={last[1]} r="2.5" fill="currentColor" /> : null}
    </svg>
  );
}
