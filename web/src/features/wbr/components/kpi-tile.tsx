import type { KpiTile as Tile } from "@/api/contract";
import { formatValue } from "@/lib/format";
import { ChangeBadge } from "./change-badge";
import { Sparkline } from "./sparkline";

const SIGNIFICANCE_TEXT: Record<string, string> = {
  high: "Unusual change",
  medium: "Notable change",
  low: "Within normal range",
};

export function KpiTile({ tile, currency, previousLabel }: { tile: Tile; currency?: string; previousLabel: string }) {
  const titleId = `kpi-${tile.metric}`;
  if (!tile.available) {
    return (
      <article className="kpi kpi--na" aria-labelledby={titleId} data-testid={`kpi-${tile.metric}`}>
        <h3 id={titleId} className="kpi__label" title={tile.description}>
          {tile.label}
        </h3>
        <p className="kpi__value">Not available</p>
        <p className="kpi__note">No data for this metric in this report.</p>
      </article>
    );
  }
  const level = tile.significance?.level;
  return (
    <article className="kpi" aria-labelledby={titleId} data-testid={`kpi-${tile.metric}`}>
      <h3 id={titleId} className="kpi__label" title={tile.description}>
        {tile.label}
        {groupLabel(tile.group) ? <span className="kpi__group">{groupLabel(tile.group)}</span> : null}
      </h3>
      <p className="kpi__value">{formatValue(tile.current, tile.unit, tile.format, { compact: true, currency })}</p>
      <p className="kpi__change">
        <ChangeBadge
          change={tile.change}
          changePct={tile.change_pct}
          changeUnit={tile.change_unit}
          format={tile.format}
          favourable={tile.favourable}
          currency={currency}
        />
      </p>
      <p className="kpi__previous">
        {previousLabel}: {formatValue(tile.previous, tile.unit, tile.format, { compact: true, currency })}
      </p>
      <div className="kpi__foot">
        <Sparkline points={tile.sparkline} label={`${tile.label}, recent weeks`} />
      </div>
      {level ? (
        <p>
          <span
            className={`signif signif--${level}`}
            title={`${tile.significance?.method ?? ""} score ${tile.significance?.score ?? ""}`}
          >
            {SIGNIFICANCE_TEXT[level] ?? level}
          </span>
        </p>
      ) : null}
    </article>
  );
}

const GROUP_ORDER = ["sales", "engagement", "marketing", "finance"];
const GROUP_LABELS: Record<string, string> = {
  sales: "Sales",
  engagement: "Engagement",
  marketing: "Marketing",
  finance: "Finance",
};

export function groupLabel(group: string | undefined): string | null {
  return group ? (GROUP_LABELS[group] ?? group) : null;
}

/** Tiles in the catalog's group order (sales, engagement, marketing, finance), additive before derived within
 * a group; a report without groups keeps its own order. */
export function orderTiles(kpis: readonly Tile[], derived: readonly Tile[]): Tile[] {
  const rank = (g: string | undefined) => {
    const i = g ? GROUP_ORDER.indexOf(g) : -1;
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return [...kpis, ...derived]
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t.group) - rank(b.t.group) || a.i - b.i)
    .map((x) => x.t);
}

export function KpiGrid({
  kpis,
  derived,
  currency,
  previousLabel,
}: {
  kpis: Tile[];
  derived: Tile[];
  currency?: string;
  previousLabel: string;
}) {
  return (
    <div className="kpi-grid">
      {orderTiles(kpis, derived).map((t) => (
        <KpiTile key={t.metric} tile={t} currency={currency} previousLabel={previousLabel} />
      ))}
    </div>
  );
}
