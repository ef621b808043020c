// Stale and degraded reports are served rather than a blank page (BRIEF §7), and say so plainly, with the reason.
import type { ReportMeta } from "@/api/contract";

export function reasonText(r: NonNullable<ReportMeta["reasons"]>[number]): string {
  return typeof r === "string" ? r : r.message || r.code || "";
}

export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  return new Intl.DateTimeFormat("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(d) + " UTC";
}

export function StatusBanners({ meta }: { meta: ReportMeta }) {
  const reasons = (meta.reasons ?? []).map(reasonText).filter((r) => r !== "");
  if (!meta.stale && !meta.degraded) {
    return null;
  }
  return (
    <div className="banners">
      {meta.stale ? (
        <div className="banner banner--stale" role="status" data-testid="stale-banner">
          <span className="banner__icon" aria-hidden="true">
            ⏱
          </span>
          <div>
            <p className="banner__title">This report is not up to date</p>
            <p className="banner__body">
              It is the last report built successfully (snapshot {meta.snapshot}, {formatInstant(meta.generated_at)}).
              {reasons.length > 0 ? ` Reason: ${reasons.join("; ")}.` : ""}
            </p>
          </div>
        </div>
      ) : null}
      {meta.degraded ? (
        <div className="banner banner--degraded" role="status" data-testid="degraded-banner">
          <span className="banner__icon" aria-hidden="true">
            !
          </span>
          <div>
            <p className="banner__title">Part of this report is missing</p>
            <p className="banner__body">
              {reasons.length > 0 ? `${reasons.join("; ")}.` : "Some sections could not be built."} The figures shown
              are complete and checked.
            </p>
          </div>
        </div>
      ) : null}
    </div>
  );
}
