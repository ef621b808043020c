// The weekly business review of one category × region × window × week: header and status, KPI tiles, the written
// summary, drivers (waterfall and drill-down), breakdown tables, market pulse, marketing, and the ranked findings.
// One long page with an in-page index: it reads top to bottom on Monday morning and prints as one document.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Finding, KpiTile, ReportSelection, WbrDocument } from "@/api/contract";
import { titleCase } from "@/lib/format";
import { metricIndex } from "../utils/metrics";
import { BreakdownsSection } from "./breakdowns-section";
import { DriversSection } from "./drivers-section";
import { FeedbackControl } from "./feedback-control";
import type { FigureContext } from "./figure-link";
import { FindingsList } from "./findings-list";
import { KpiGrid } from "./kpi-tile";
import { MarketSection } from "./market-section";
import { MarketingSection } from "./marketing-section";
import { formatInstant, StatusBanners } from "./status-banners";
import { SummaryPanel } from "./summary-panel";

const SECTIONS = [
  { id: "summary", label: "Summary" },
  { id: "kpis", label: "KPIs" },
  { id: "drivers", label: "Drivers" },
  { id: "breakdowns", label: "Breakdowns" },
  { id: "market", label: "Market" },
  { id: "marketing", label: "Marketing" },
  { id: "findings", label: "Findings" },
] as const;

function periodLabel(p: { first: string; last: string }): string {
  return p.first === p.last ? p.first : `${p.first} – ${p.last}`;
}

export interface ReportViewProps {
  doc: WbrDocument;
  selection: ReportSelection;
  regionLabel: (id: string) => string;
  windowLabel: (w: string) => string;
  updating?: boolean;
}

export function ReportView({ doc, selection, regionLabel, windowLabel, updating }: ReportViewProps) {
  const index = useMemo(() => metricIndex(doc), [doc]);
  const currency = doc.meta.currency;
  const [focusedFinding, setFocusedFinding] = useState<string | null>(null);
  const fileParts = [doc.category, doc.region, doc.window, doc.week];

  useEffect(() => {
    // the moment the review can be read and used: the e2e run measures it (bench/RESULTS.md)
    if (!updating && typeof performance !== "undefined" && performance.getEntriesByName("wbr-interactive").length === 0) {
      performance.mark("wbr-interactive");
    }
  }, [updating]);

  const onOpenFinding = useCallback((id: string) => {
    setFocusedFinding(null);
    // a new value each time, so the same finding can be jumped to twice
    requestAnimationFrame(() => setFocusedFinding(id));
  }, []);

  const ctx = useMemo<FigureContext>(
    () => ({
      findings: new Map<string, Finding>(doc.findings.map((f) => [f.id, f])),
      tiles: new Map<string, KpiTile>([...doc.kpis, ...doc.derived].map((t) => [t.metric, t])),
      metrics: index,
      currency,
      onOpenFinding,
    }),
    [doc, index, currency, onOpenFinding],
  );

  const previous = periodLabel(doc.periods.previous);
  return (
    <article
      className={`report ${updating ? "report--updating" : ""}`}
      aria-busy={updating ? "true" : "false"}
      data-testid="report"
      data-ready={updating ? "false" : "true"}
      data-report={`${doc.category}|${doc.region}|${doc.window}|${doc.week}`}
    >
      <header className="report-header">
        <div>
          <h1 className="report-header__title">
            {titleCase(doc.category)} · {regionLabel(doc.region)}
          </h1>
          <p className="report-header__period">
            {periodLabel(doc.periods.current)} compared with {previous} · {windowLabel(String(doc.window))}
          </p>
          <p className="report-header__meta">
            Snapshot <span className="mono">{doc.meta.snapshot}</span> · built {formatInstant(doc.meta.generated_at)}
            {doc.meta.cache === "hit" ? " · served from cache" : ""}
          </p>
        </div>
        <div className="report-header__tools no-print">
          <button type="button" className="button button--quiet" onClick={() => window.print()}>
            Print
          </button>
          <FeedbackControl selection={selection} snapshot={doc.meta.snapshot} label="Feedback on this report" />
        </div>
      </header>

      <StatusBanners meta={doc.meta} />

      <nav className="section-nav no-print" aria-label="Sections of the report">
        {SECTIONS.map((s) => (
          <a key={s.id} href={`#${s.id}`}>
            {s.label}
          </a>
        ))}
      </nav>

      <section id="summary" className="panel" aria-labelledby="h-summary">
        <h2 id="h-summary" className="panel__title">
          Summary
        </h2>
        <SummaryPanel summary={doc.summary} reason={doc.meta.summary_reason ?? null} ctx={ctx} />
      </section>

      <section id="kpis" className="panel" aria-labelledby="h-kpis">
        <h2 id="h-kpis" className="panel__title">
          Key metrics
        </h2>
        <KpiGrid
          kpis={doc.kpis}
          derived={doc.derived}
          currency={currency}
          previousLabel={previous}
          groupOf={(m) => index.get(m)?.group ?? null}
          describe={(m) => index.get(m)?.description ?? null}
        />
      </section>

      <section id="drivers" className="panel" aria-labelledby="h-drivers">
        <h2 id="h-drivers" className="panel__title">
          Drivers of the change
        </h2>
        <DriversSection doc={doc} index={index} fileParts={fileParts} currency={currency} />
      </section>

      <section id="breakdowns" className="panel" aria-labelledby="h-breakdowns">
        <h2 id="h-breakdowns" className="panel__title">
          Breakdowns
        </h2>
        <BreakdownsSection doc={doc} index={index} fileParts={fileParts} currency={currency} />
      </section>

      <section id="market" className="panel" aria-labelledby="h-market">
        <h2 id="h-market" className="panel__title">
          Market pulse vs our trend
        </h2>
        <MarketSection pulse={doc.market_pulse} fileParts={fileParts} />
      </section>

      <section id="marketing" className="panel" aria-labelledby="h-marketing">
        <h2 id="h-marketing" className="panel__title">
          Marketing efficiency and budget
        </h2>
        <MarketingSection marketing={doc.marketing} fileParts={fileParts} currency={currency} />
      </section>

      <section id="findings" className="panel" aria-labelledby="h-findings">
        <h2 id="h-findings" className="panel__title">
          Findings
        </h2>
        <FindingsList
          findings={doc.findings}
          index={index}
          selection={selection}
          snapshot={doc.meta.snapshot}
          focusedId={focusedFinding}
          fileParts={fileParts}
          currency={currency}
          onOpenFinding={onOpenFinding}
        />
      </section>
    </article>
  );
}
