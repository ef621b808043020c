// The written summary: a headline, bullets, recommended actions and caveats, every figure linked to the finding or
// KPI field it was rendered from. Below it: which model and prompt version wrote it and how its checks went.
import type { Summary, SummaryPart } from "@/api/contract";
import { segmentText, spansFor } from "../utils/summary-segments";
import { FigureLink, type FigureContext } from "./figure-link";

function LinkedText({
  text,
  part,
  index,
  summary,
  ctx,
}: {
  text: string;
  part: SummaryPart;
  index: number;
  summary: Summary;
  ctx: FigureContext;
}) {
  const segments = segmentText(text, spansFor(summary.figures, part, index));
  return (
    <>
      {segments.map((s, i) =>
        s.kind === "text" ? <span key={i}>{s.text}</span> : <FigureLink key={i} text={s.text} span={s.span} ctx={ctx} />,
      )}
    </>
  );
}

export function SummaryPanel({
  summary,
  reason,
  ctx,
}: {
  summary: Summary | null;
  reason: string | null;
  ctx: FigureContext;
}) {
  if (!summary) {
    return (
      <div className="summary summary--none" data-testid="summary">
        <p className="summary__none">
          No written summary for this report{reason ? `: ${reason}` : "."} The figures below are complete.
        </p>
      </div>
    );
  }
  const failed = summary.checks.filter((c) => c.status === "fail");
  return (
    <div className="summary" data-testid="summary">
      <div className="summary__headline">
        <LinkedText text={summary.headline} part="headline" index={0} summary={summary} ctx={ctx} />
      </div>
      <ul className="summary__bullets">
        {summary.bullets.map((b, i) => (
          <li key={i}>
            <LinkedText text={b.text} part="bullet" index={i} summary={summary} ctx={ctx} />
            {b.finding_ids.length > 0 ? (
              <span className="summary__refs no-print">
                {b.finding_ids.map((id) => {
                  const f = ctx.findings.get(id);
                  return f ? (
                    <button
                      key={id}
                      type="button"
                      className="ref-chip"
                      onClick={() => ctx.onOpenFinding(id)}
                      aria-label={`Go to finding ${f.rank}: ${f.title}`}
                    >
                      #{f.rank}
                    </button>
                  ) : null;
                })}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {summary.actions.length > 0 ? (
        <>
          <h3 className="subhead">Recommended actions</h3>
          <ul className="summary__actions">
            {summary.actions.map((a, i) => (
              <li key={i}>
                <LinkedText text={a} part="action" index={i} summary={summary} ctx={ctx} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {summary.caveats.length > 0 ? (
        <>
          <h3 className="subhead">Caveats</h3>
          <ul className="summary__caveats">
            {summary.caveats.map((c, i) => (
              <li key={i}>
                <LinkedText text={c} part="caveat" index={i} summary={summary} ctx={ctx} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="summary__provenance">
        {summary.provider === "offline" ? "Written by the offline narrator" : `Written by ${summary.model}`} · prompt{" "}
        {summary.prompt_version}
        {summary.cached ? " · cached" : ""}
        {failed.length === 0
          ? " · every figure checked against the data"
          : ` · ${failed.length} check(s) failed: ${failed.map((c) => c.name).join(", ")}`}
      </p>
    </div>
  );
}
