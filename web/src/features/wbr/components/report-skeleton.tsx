import { Skeleton, SkeletonBlock } from "@/lib/ui/skeleton";

/** The report's layout while it loads: header, tiles, summary, so nothing jumps when the data arrives. */
export function ReportSkeleton() {
  return (
    <div className="report report--loading" aria-busy="true" data-testid="report-loading">
      <div className="report-header">
        <Skeleton width="40%" height="1.8rem" />
        <Skeleton width="25%" height="1rem" />
      </div>
      <div className="kpi-grid">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="kpi kpi--skeleton">
            <Skeleton width="50%" />
            <Skeleton width="70%" height="1.6rem" />
            <Skeleton width="60%" />
            <Skeleton width="100%" height="32px" />
          </div>
        ))}
      </div>
      <section className="panel">
        <SkeletonBlock lines={5} label="Loading the weekly review…" />
      </section>
    </div>
  );
}
