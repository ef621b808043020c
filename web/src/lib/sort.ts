// Table sorting: numbers by value, text by locale; missing values always last, whichever the direction, so a
// sort by change never starts with a column of n/a. Stable: equal rows keep their original (engine) order.

export type SortDirection = "asc" | "desc";
export type SortValue = number | string | null | undefined;

export interface SortState<K extends string = string> {
  key: K;
  direction: SortDirection;
}

function missing(v: SortValue): boolean {
  return v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v));
}

export function compareValues(a: SortValue, b: SortValue, direction: SortDirection): number {
  const am = missing(a);
  const bm = missing(b);
  if (am || bm) {
    return am === bm ? 0 : am ? 1 : -1;
  }
  let c: number;
  if (typeof a === "number" && typeof b === "number") {
    c = a - b;
  } else {
    c = String(a).localeCompare(String(b), "en", { numeric: true, sensitivity: "base" });
  }
  return direction === "asc" ? c : -c;
}

export function sortRows<Row>(rows: readonly Row[], value: (row: Row) => SortValue, direction: SortDirection): Row[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((x, y) => compareValues(value(x.row), value(y.row), direction) || x.index - y.index)
    .map((x) => x.row);
}

/** Clicking a column: a new column sorts descending (largest first, as analysts read), the same column flips. */
export function nextSort<K extends string>(current: SortState<K> | null, key: K, textColumn = false): SortState<K> {
  if (current && current.key === key) {
    return { key, direction: current.direction === "asc" ? "desc" : "asc" };
  }
  return { key, direction: textColumn ? "asc" : "desc" };
}
