// The four filters of a report. Every option comes from /category-list, so a user is only offered what the server
// lets them read; a value from a shared link that is outside their scope stays visible, marked, until they change it.
import type { ReportSelection, ReportWindow } from "@/api/contract";
import { titleCase } from "@/lib/format";
import { weeksNewestFirst, type SelectionKey } from "@/lib/report-selection";
import type { CategoryList, FilterOption } from "../api/get-category-list";

const WINDOW_LABELS: Record<string, string> = {
  WoW: "Week over week",
  MoM: "4 weeks vs previous 4",
  QoQ: "13 weeks vs previous 13",
  YoY: "Year over year",
};

export function windowLabel(w: string): string {
  return WINDOW_LABELS[w] ?? w;
}

// regions whose names are not their ids in title case; the rest read fine as "Asia Pacific", "North America"
const REGION_LABELS: Record<string, string> = {
  all: "All regions",
  dach: "DACH",
  uk_ireland: "UK & Ireland",
  france_benelux: "France & Benelux",
};

export function regionLabel(id: string): string {
  return REGION_LABELS[id] ?? titleCase(id);
}

/** Why a value from the URL is not among the options: the server will say more. */
const OUTSIDE_NOTE: Record<SelectionKey, string> = {
  category: "not in your scope",
  region: "not in your scope",
  window: "unknown",
  week: "not published",
};

interface SelectProps {
  name: SelectionKey;
  label: string;
  value: string;
  options: FilterOption[];
  outside?: string;
  text: (id: string) => string;
  onChange: (value: string) => void;
  disabled?: boolean;
}

function FilterSelect({ name, label, value, options, outside, text, onChange, disabled }: SelectProps) {
  const id = `filter-${name}`;
  return (
    <div className="filter">
      <label htmlFor={id} className="filter__label">
        {label}
      </label>
      <select
        id={id}
        name={name}
        className="select"
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      >
        {outside !== undefined ? <option value={outside}>{`${text(outside)} (${OUTSIDE_NOTE[name]})`}</option> : null}
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label ?? text(o.id)}
          </option>
        ))}
      </select>
    </div>
  );
}

export interface FilterBarProps {
  list: CategoryList;
  selection: ReportSelection;
  outside: Partial<Record<SelectionKey, string>>;
  onChange: (patch: Partial<ReportSelection>) => void;
  busy?: boolean;
}

export function FilterBar({ list, selection, outside, onChange, busy }: FilterBarProps) {
  const windows: FilterOption[] =
    list.windows.length > 0 ? list.windows : ["WoW", "MoM", "QoQ", "YoY"].map((id) => ({ id, label: null }));
  const weeks = weeksNewestFirst(list.weeks.map((w) => w.id)).map((id) => ({ id, label: null }));
  return (
    <form className="filter-bar" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
      <FilterSelect
        name="category"
        label="Category"
        value={selection.category}
        options={list.categories}
        outside={outside.category}
        text={titleCase}
        onChange={(category) => onChange({ category })}
      />
      <FilterSelect
        name="region"
        label="Region"
        value={selection.region}
        options={list.regions}
        outside={outside.region}
        text={regionLabel}
        onChange={(region) => onChange({ region })}
      />
      <FilterSelect
        name="window"
        label="Compare"
        value={selection.window}
        options={windows}
        outside={outside.window}
        text={windowLabel}
        onChange={(w) => onChange({ window: w as ReportWindow })}
      />
      <FilterSelect
        name="week"
        label="Week"
        value={selection.week}
        options={weeks}
        outside={outside.week}
        text={(w) => w}
        onChange={(week) => onChange({ week })}
      />
      {busy ? (
        <span className="filter-bar__busy" role="status">
          Updating…
        </span>
      ) : null}
    </form>
  );
}
