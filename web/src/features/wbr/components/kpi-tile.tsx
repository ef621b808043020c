import type { KpiTile as Tile } from "@/api/contract";
import { formatValue } from "@/lib/format";
import { ChangeBadge } from "./change-badge";
import { Sparkline } from "./sparkline";

const SIGNIFICANCE_TEXT: Record<string, string> = {
  high: "Unusual change",
  medium: "Notable change",
  low: "Within normal range",
};

/** How far off trend and seasonality the week must be before the tile says so. */
const ANOMALY_Z = 3;

export function KpiTile({
  tile,
  currency,
  previousLabel,
  description,
}: {
  tile: Tile;
  currency?: string;
  previousLabel: string;
  description?: string | null;
}) {
  const titleId = `kpi-${tile.metric}`;
  const help = description ?? tile.description;
  if (!tile.available) {
    return (
      <article className="kpi kpi--na" aria-labelledby={titleId} data-testid={`kpi-${tile.metric}`}>
        <h3 id={titleId} className="kpi__label" title={help}>
          {tile.label}
        </h3>
        <p className="kpi__value">Not available</p>
        <p className="kpi__note">No data for this metric in this report.</p>
      </article>
    );
  }
  const level = tile.significance?.level;
  const offTrend =
    typeof tile.anomaly_zscore === "number" && Math.abs(tile.anomaly_zscore) >= ANOMALY_Z && typeof tile.expected === "number";
  return (
    <article className="kpi" aria-labelledby={titleId} data-testid={`kpi-${tile.metric}`}>
      <h3 id={titleId} className="kpi__label" title={help}>
        {tile.label}
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
      <p className="kpi__tags">
        {level ? (
          <span
            className={`signif signif--${level}`}
            title={`${tile.significance?.method ?? ""} score ${tile.significance?.score ?? ""}`}
          >
            {SIGNIFICANCE_TEXT[level] ?? level}
          </span>
        ) : null}
        {offTrend ? (
          <span className="signif signif--anomaly" title={`anomaly z-score ${tile.anomaly_zscore}`}>
            Off trend: expected {formatValue(tile.expected, tile.unit, tile.format, { compact: true, currency })}
          </span>
        ) : null}
      </p>
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

export interface TileGroup {
  group: string | null;
  label: string | null;
  tiles: Tile[];
}

/** Tiles by the catalog's groups (sales, engagement, marketing, finance), additive before derived within a group;
 * a report without groups is one unnamed group in its own order. */
export function groupTiles(kpis: readonly Tile[], derived: readonly Tile[], groupOf: (metric: string) => string | null): TileGroup[] {
  const all = [...kpis, ...derived];
  const rank = (g: string | null) => {
    const i = g ? GROUP_ORDER.indexOf(g) : -1;
    return i < 0 ? GROUP_ORDER.length : i;
  };
  const groups: TileGroup[] = [];
  for (const t of all) {
    const g = groupOf(t.metric);
    let entry = groups.find((x) => x.group === g);
    if (!entry) {
      entry = { group: g, label: g ? (GROUP_LABELS[g] ?? g) : null, tiles: [] };
      groups.push(entry);
    }
    entry.tiles.push(t);
  }
  return groups.sort((a, b) => rank(a.group) - rank(b.group));
}

export function KpiGrid({
  kpis,
  derived,
  currency,
  previousLabel,
  groupOf,
  describe,
}: {
  kpis: Tile[];
  derived: Tile[];
  currency?: string;
  previousLabel: string;
  groupOf: (metric: string) => string | null;
  describe: (metric: string) => string | null;
}) {
  const groups = groupTiles(kpis, derived, groupOf);
  return (
    <>
      {groups.map((g) => (
        <div key={g.group ?? "all"} className="kpi-group">
          {g.label && groups.length > 1 ? <h3 className="subhead">{g.label}</h3> : null}
          <div className="kpi-grid">
            {g.tiles.map((t) => (
              <KpiTile
                key={t.metric}
                tile={t}
                currency={currency}
                previousLabel={previousLabel}
                description={describe(t.metric)}
              />
            ))}
          </div>
        </div>
      ))}
    </>
  );
}
