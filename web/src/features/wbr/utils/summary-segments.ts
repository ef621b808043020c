// Split a summary text into plain runs and figures, each figure carrying the span the AI service recorded for it
// (which finding or KPI field it was rendered from). Spans are checked against the text: one whose offsets do not
// hold its own text is looked up after the previous figure, and dropped when it is not there — a figure is never
// linked to numbers it does not show.
import type { FigureSpan, SummaryPart } from "@/api/contract";

export type Segment = { kind: "text"; text: string } | { kind: "figure"; text: string; span: FigureSpan };

export function spansFor(figures: readonly FigureSpan[] | undefined, part: SummaryPart, index: number): FigureSpan[] {
  return (figures ?? []).filter((f) => f.part === part && f.index === index);
}

export function segmentText(text: string, spans: readonly FigureSpan[]): Segment[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Segment[] = [];
  let pos = 0;
  for (const span of sorted) {
    let start = span.start;
    let end = span.end;
    const fits = start >= pos && end > start && end <= text.length && text.slice(start, end) === span.text;
    if (!fits) {
      const found = span.text === "" ? -1 : text.indexOf(span.text, pos);
      if (found < 0) {
        continue;
      }
      start = found;
      end = found + span.text.length;
    }
    if (start > pos) {
      out.push({ kind: "text", text: text.slice(pos, start) });
    }
    out.push({ kind: "figure", text: text.slice(start, end), span });
    pos = end;
  }
  if (pos < text.length) {
    out.push({ kind: "text", text: text.slice(pos) });
  }
  return out;
}
