// The ranked findings of the engine, most important first: what changed, where (the dimension path), by how much
// (impact in the metric's unit), how sure (significance), and every number behind it. The summary's figures link
// here; each finding takes its own feedback.
import { useEffect, useRef } from "react";
import type { Finding, ReportSelection } from "@/api/contract";
import { csvFileName, toCsv } from "@/lib/csv";
import { formatChange, formatValue, pathLabel } from "@/lib/format";
import { CsvButton } from "@/lib/ui/csv-button";
import { EmptyState } from "@/lib/ui/empty-state";
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { verdictOf } from "./change-badge";
import { FeedbackControl } from "./feedback-control";
import { findingTypeLabel, NumbersTable } from "./finding-numbers";

export function findingsCsv(findings: readonly Finding[]): string {
  const names = [...new Set(findings.flatMap((f) => Object.keys(f.numbers)))];
  return toCsv(
    [
      { header: "rank", value: (f: Finding) => f.rank },
      { header: "id", value: (f: Finding) => f.id },
      { header: "type", value: (f: Finding) => f.type },
      { header: "metric", value: (f: Finding) => f.metric },
      { header: "window", value: (f: Finding) => f.window },
      { header: "path", value: (f: Finding) => f.path.map((p) => `${p.dimension}=${p.value}`).join(";") },
      { header: "direction", value: (f: Finding) => f.direction },
      { header: "favourable", value: (f: Finding) => (f.favourable === null ? "" : String(f.favourable)) },
      { header: "impact", value: (f: Finding) => f.impact },
      { header: "impact_unit", value: (f: Finding) => f.impact_unit },
      { header: "significance_level", value: (f: Finding) => f.significance.level },
      { header: "significance_score", value: (f: Finding) => f.significance.score },
      { header: "value_at_stake", value: (f: Finding) => f.value_at_stake },
      { header: "explains", value: (f: Finding) => f.explains },
      { header: "title", value: (f: Finding) => f.title },
      ...names.map((n) => ({ header: n, value: (f: Finding) => f.numbers[n] })),
    ],
    findings,
  );
}

function FindingCard({
  finding,
  index,
  selection,
  snapshot,
  focused,
  currency,
  explains,
  onOpenFinding,
}: {
  finding: Finding;
  index: MetricIndex;
  selection: ReportSelection;
  snapshot: string;
  focused: boolean;
  currency?: string;
  /** The finding this one explains (the headline of its story), when it is in the list. */
  explains: Finding | undefined;
  onOpenFinding: (id: string) => void;
}) {
  const ref = useRef<HTMLElement>(null);
  const details = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (focused && ref.current) {
      if (details.current) {
        details.current.open = true;
      }
      ref.current.scrollIntoView({ block: "center", behavior: "smooth" });
      ref.current.focus({ preventScroll: true });
    }
  }, [focused]);
  const info = metricInfo(index, finding.metric);
  const verdict = verdictOf(finding.favourable);
  return (
    <article
      ref={ref}
      id={`finding-${finding.id}`}
      tabIndex={-1}
      className={`finding finding--${verdict} ${focused ? "finding--focused" : ""}`}
      aria-labelledby={`finding-${finding.id}-title`}
      data-testid="finding"
      data-finding-id={finding.id}
    >
      <div className="finding__rank">
        <span className="visually-hidden">Rank </span>
        {finding.rank}
      </div>
      <div className="finding__body">
        <p className="finding__meta">
          <span className="tag">{findingTypeLabel(finding.type)}</span>
          <span className={`signif signif--${finding.significance.level}`}>
            {finding.significance.level} significance
          </span>
          <span className="muted">{info.label}</span>
          <span className="muted">{pathLabel(finding.path, "Whole category")}</span>
        </p>
        <h3 id={`finding-${finding.id}-title`} className="finding__title">
          {finding.title}
        </h3>
        <p className="finding__impact">
          Impact{" "}
          <strong className={`change change--${verdict}`}>
            {formatChange(finding.impact, finding.impact_unit, info.format, { currency })}
          </strong>
          <span className="visually-hidden">, {verdict}</span>
          {typeof finding.value_at_stake === "number" ? (
            <span className="muted">
              {" "}
              · value at stake {formatValue(finding.value_at_stake, "currency", "currency0", { currency })}
            </span>
          ) : null}
          {explains ? (
            <>
              {" "}
              ·{" "}
              <button type="button" className="ref-chip" onClick={() => onOpenFinding(explains.id)}>
                explains #{explains.rank}
              </button>
            </>
          ) : null}
        </p>
        <details ref={details} className="details">
          <summary>The numbers behind it</summary>
          <NumbersTable numbers={finding.numbers} metric={finding.metric} index={index} currency={currency} />
        </details>
        <FeedbackControl
          selection={selection}
          snapshot={snapshot}
          findingId={finding.id}
          label={`Feedback on finding ${finding.rank}`}
        />
      </div>
    </article>
  );
}

export function FindingsList({
  findings,
  index,
  selection,
  snapshot,
  focusedId,
  fileParts,
  currency,
  onOpenFinding,
}: {
  findings: Finding[];
  index: MetricIndex;
  selection: ReportSelection;
  snapshot: string;
  focusedId: string | null;
  fileParts: string[];
  currency?: string;
  onOpenFinding: (id: string) => void;
}) {
  if (findings.length === 0) {
    return (
      <EmptyState title="No material change this period">
        The engine found nothing outside the normal range for this category and region.
      </EmptyState>
    );
  }
  const sorted = [...findings].sort((a, b) => a.rank - b.rank);
  const byId = new Map(findings.map((f) => [f.id, f]));
  return (
    <>
      <div className="table-head">
        <span className="muted">{findings.length} findings, most important first</span>
        <div className="table-head__tools">
          <CsvButton fileName={csvFileName([...fileParts, "findings"])} build={() => findingsCsv(sorted)} label="findings" />
        </div>
      </div>
      <div className="findings">
        {sorted.map((f) => (
          <FindingCard
            key={f.id}
            finding={f}
            index={index}
            selection={selection}
            snapshot={snapshot}
            focused={focusedId === f.id}
            currency={currency}
            explains={f.explains ? byId.get(f.explains) : undefined}
            onOpenFinding={onOpenFinding}
          />
        ))}
      </div>
    </>
  );
}
