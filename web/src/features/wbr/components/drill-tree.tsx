// The drill-down tree: a value of a dimension opens into the finer breakdowns the report has for it (the next level
// of its hierarchy, or another dimension inside it). Each row shows the level, the change and the contribution to
// the total change, with a bar for the contribution's size. Disclosure buttons: Tab to move, Enter or Space to open.
import { useState } from "react";
import { dimensionLabel, formatChange, formatShare, formatValue, valueLabel } from "@/lib/format";
import type { DrillGroup, DrillNode } from "../utils/drill-tree";
import type { MetricInfo } from "../utils/metrics";

function maxContribution(groups: DrillGroup[]): number {
  let m = 0;
  for (const g of groups) {
    for (const r of g.rows) {
      m = Math.max(m, Math.abs(r.row.contribution ?? 0));
    }
  }
  return m || 1;
}

function Node({ node, metric, scale, currency, depth }: { node: DrillNode; metric: MetricInfo; scale: number; currency?: string; depth: number }) {
  const [open, setOpen] = useState(false);
  const hasChildren = node.groups.length > 0;
  const c = node.row.contribution ?? 0;
  const width = Math.min(100, (Math.abs(c) / scale) * 100);
  const good = metric.direction === "neutral" ? null : (c >= 0) === (metric.direction === "higher_is_better");
  const childId = `drill-${node.key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return (
    <li className="drill__item" data-testid={`drill-node-${node.key}`}>
      <div className="drill__row" style={{ paddingLeft: `${depth * 1.25}rem` }}>
        {hasChildren ? (
          <button
            type="button"
            className="drill__toggle"
            aria-expanded={open}
            aria-controls={childId}
            onClick={() => setOpen((o) => !o)}
          >
            <span aria-hidden="true" className="drill__chev">
              {open ? "▾" : "▸"}
            </span>
            {valueLabel(node.row.value)}
            <span className="visually-hidden">, {open ? "collapse" : "expand"}</span>
          </button>
        ) : (
          <span className="drill__leaf">{valueLabel(node.row.value)}</span>
        )}
        <span className="drill__num">{formatValue(node.row.current, metric.unit, metric.format, { compact: true, currency })}</span>
        <span className="drill__num">{formatChange(node.row.change, metric.changeUnit, metric.format, { compact: true, currency })}</span>
        <span className="drill__bar" aria-hidden="true">
          <span
            className={`drill__fill ${good === null ? "" : good ? "drill__fill--good" : "drill__fill--bad"} ${c < 0 ? "drill__fill--neg" : ""}`}
            style={{ width: `${width}%` }}
          />
        </span>
        <span className="drill__num">{formatShare(node.row.contribution_pct)}</span>
      </div>
      {hasChildren && open ? (
        <div id={childId}>
          {node.groups.map((g) => (
            <Group key={g.dimension} group={g} metric={metric} currency={currency} depth={depth + 1} />
          ))}
        </div>
      ) : null}
    </li>
  );
}

function Group({
  group,
  metric,
  currency,
  depth,
  initiallyOpen = true,
}: {
  group: DrillGroup;
  metric: MetricInfo;
  currency?: string;
  depth: number;
  initiallyOpen?: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const scale = maxContribution([group]);
  const listId = `drill-dim-${depth}-${group.dimension}-${group.rows[0]?.key ?? ""}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return (
    <div className="drill__group">
      <p className="drill__dim" style={{ paddingLeft: `${depth * 1.25}rem` }}>
        {depth === 0 ? (
          <button
            type="button"
            className="drill__dim-toggle"
            aria-expanded={open}
            aria-controls={listId}
            onClick={() => setOpen((o) => !o)}
          >
            <span aria-hidden="true" className="drill__chev">
              {open ? "▾" : "▸"}
            </span>
            {dimensionLabel(group.dimension)}
            {group.other > 0 ? ` (top ${group.rows.length}, ${group.other} more in other)` : ""}
          </button>
        ) : (
          dimensionLabel(group.dimension)
        )}
      </p>
      {open ? (
        <ul className="drill__list" id={listId}>
          {group.rows.map((n) => (
            <Node key={n.key} node={n} metric={metric} scale={scale} currency={currency} depth={depth} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function DrillTree({ groups, metric, currency }: { groups: DrillGroup[]; metric: MetricInfo; currency?: string }) {
  return (
    <div className="drill" data-testid="drill-tree">
      <div className="drill__head" aria-hidden="true">
        <span>Segment</span>
        <span className="drill__num">Current</span>
        <span className="drill__num">Change</span>
        <span>Contribution</span>
        <span className="drill__num">% of change</span>
      </div>
      {groups.map((g, i) => (
        // the dimensions whose values carry the change open first; the rest are one click away
        <Group key={g.dimension} group={g} metric={metric} currency={currency} depth={0} initiallyOpen={i < 2} />
      ))}
    </div>
  );
}
