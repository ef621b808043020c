// A figure of the written summary, linked to what it was rendered from. Hovering or focusing it shows the exact
// numbers in a popover; clicking (or Enter) pins the popover and offers to jump to the finding in the list.
import { useEffect, useId, useRef, useState } from "react";
import type { FigureSpan, Finding, KpiTile } from "@/api/contract";
import { metricInfo, type MetricIndex } from "../utils/metrics";
import { FindingSummary, NumbersTable, tileNumbers } from "./finding-numbers";

export interface FigureContext {
  findings: Map<string, Finding>;
  tiles: Map<string, KpiTile>;
  metrics: MetricIndex;
  currency?: string;
  onOpenFinding: (id: string) => void;
}

export function FigureLink({ text, span, ctx }: { text: string; span: FigureSpan; ctx: FigureContext }) {
  const [hover, setHover] = useState(false);
  const [pinned, setPinned] = useState(false);
  const popId = useId();
  const ref = useRef<HTMLSpanElement>(null);
  const finding = span.finding_id ? ctx.findings.get(span.finding_id) : undefined;
  const tile = ctx.tiles.get(span.metric);
  const open = hover || pinned;

  useEffect(() => {
    if (!pinned) {
      return undefined;
    }
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) {
        setPinned(false);
      }
    };
    document.addEventListener("mousedown", onDoc);
    return () => document.removeEventListener("mousedown", onDoc);
  }, [pinned]);

  const label = finding
    ? `${text}: from finding ${finding.rank}, ${finding.title}`
    : `${text}: ${metricInfo(ctx.metrics, span.metric).label}, ${span.field}`;

  return (
    <span
      ref={ref}
      className="figure"
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          setPinned(false);
          setHover(false);
        }
      }}
    >
      <button
        type="button"
        className="figure__button"
        aria-expanded={open}
        aria-controls={popId}
        aria-label={label}
        data-finding-id={span.finding_id ?? undefined}
        data-metric={span.metric}
        onFocus={() => setHover(true)}
        onBlur={() => setHover(false)}
        onClick={() => setPinned((p) => !p)}
      >
        {text}
      </button>
      <span id={popId} role="dialog" aria-label={`Numbers behind ${text}`} className="popover" hidden={!open}>
        {!open ? null : finding ? (
          <>
            <FindingSummary finding={finding} index={ctx.metrics} currency={ctx.currency} highlight={span.field} />
            <button
              type="button"
              className="button button--quiet"
              onClick={() => {
                setPinned(false);
                setHover(false);
                ctx.onOpenFinding(finding.id);
              }}
            >
              Go to finding #{finding.rank}
            </button>
          </>
        ) : tile ? (
          <span className="finding-summary">
            <span className="finding-summary__title">{tile.label}</span>
            <NumbersTable
              numbers={tileNumbers(tile)}
              metric={tile.metric}
              index={ctx.metrics}
              highlight={span.field}
              currency={ctx.currency}
            />
          </span>
        ) : (
          <span className="finding-summary">
            {metricInfo(ctx.metrics, span.metric).label} · {span.field}: <span className="mono">{span.value}</span>
          </span>
        )}
      </span>
    </span>
  );
}
