// A change with its meaning: the arrow shows the direction of the change, the colour and the word whether it is good
// for the business (from the metric's direction) — so the tile reads the same without colour.
import type { ChangeUnit } from "@/api/contract";
import { formatChange, formatPercentChange } from "@/lib/format";

export type Verdict = "favourable" | "unfavourable" | "neutral";

export function verdictOf(favourable: boolean | null | undefined): Verdict {
  return favourable === true ? "favourable" : favourable === false ? "unfavourable" : "neutral";
}

// the verdict is said twice besides the colour: by a mark of its own shape, and in words for screen readers
const VERDICT_MARK: Record<Verdict, string> = { favourable: "✓", unfavourable: "!", neutral: "" };
const VERDICT_TEXT: Record<Verdict, string> = {
  favourable: "favourable",
  unfavourable: "unfavourable",
  neutral: "neutral",
};

export function ChangeBadge({
  change,
  changePct,
  changeUnit,
  format,
  favourable,
  currency,
  showPct = true,
}: {
  change: number | null;
  changePct?: number | null;
  changeUnit: ChangeUnit | string;
  format: string;
  favourable: boolean | null | undefined;
  currency?: string;
  showPct?: boolean;
}) {
  const verdict = verdictOf(favourable);
  const arrow = change === null || change === 0 ? "→" : change > 0 ? "▲" : "▼";
  const abs = formatChange(change, changeUnit, format, { currency });
  // a percent metric already changes in pp; its relative change would read as a second, confusing percentage
  const pct = showPct && changeUnit !== "pp" && changePct !== undefined ? formatPercentChange(changePct) : null;
  return (
    <span className={`change change--${verdict}`}>
      <span aria-hidden="true" className="change__arrow">
        {arrow}
      </span>
      <span className="change__abs">{abs}</span>
      {pct ? <span className="change__pct">({pct})</span> : null}
      {VERDICT_MARK[verdict] ? (
        <span className="change__mark" aria-hidden="true" title={VERDICT_TEXT[verdict]}>
          {VERDICT_MARK[verdict]}
        </span>
      ) : null}
      <span className="visually-hidden">, {VERDICT_TEXT[verdict]}</span>
    </span>
  );
}
