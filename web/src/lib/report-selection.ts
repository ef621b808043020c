// The report a page shows is its URL: ?category=…&region=…&window=…&week=…, so a view can be shared and bookmarked.
// Missing parameters take the first category and region the user may use, WoW, and the latest week. A value that
// is present is kept as it is, even one outside the user's scope: the server decides, and the page shows its answer
// (a clear refusal) instead of silently showing another report.
import { REPORT_WINDOWS, type ReportSelection, type ReportWindow } from "@/api/contract";

export interface SelectionOptions {
  categories: readonly string[];
  regions: readonly string[];
  windows: readonly string[];
  weeks: readonly string[];
}

export const SELECTION_KEYS = ["category", "region", "window", "week"] as const;
export type SelectionKey = (typeof SELECTION_KEYS)[number];

/** The latest of ISO week keys ("2026-W47"); they sort as text. */
export function latestWeek(weeks: readonly string[]): string | null {
  let best: string | null = null;
  for (const w of weeks) {
    if (best === null || w > best) {
      best = w;
    }
  }
  return best;
}

export interface ParsedSelection {
  selection: ReportSelection | null;
  /** Values in the URL the user's filter lists do not hold, by key (the server has the last word). */
  outside: Partial<Record<SelectionKey, string>>;
  /** True when the URL lacked a parameter and a default was filled in. */
  defaulted: boolean;
}

export function parseSelection(params: URLSearchParams, options: SelectionOptions): ParsedSelection {
  const outside: Partial<Record<SelectionKey, string>> = {};
  let defaulted = false;
  const pick = (key: SelectionKey, list: readonly string[], fallback: string | null): string | null => {
    const raw = params.get(key);
    if (raw !== null && raw !== "") {
      if (!list.includes(raw)) {
        outside[key] = raw;
      }
      return raw;
    }
    defaulted = true;
    return fallback;
  };
  const windows = options.windows.length > 0 ? options.windows : REPORT_WINDOWS;
  const category = pick("category", options.categories, options.categories[0] ?? null);
  const region = pick("region", options.regions, options.regions[0] ?? null);
  const windowRaw = pick("window", windows, windows.includes("WoW") ? "WoW" : (windows[0] ?? null));
  const week = pick("week", options.weeks, latestWeek(options.weeks));
  if (category === null || region === null || windowRaw === null || week === null) {
    return { selection: null, outside, defaulted };
  }
  // an unknown window is kept for the server to refuse with its own message
  const window = windowRaw as ReportWindow;
  return { selection: { category, region, window, week }, outside, defaulted };
}

/** Write SELECTION into PARAMS (other parameters are kept), in a stable order. */
export function writeSelection(params: URLSearchParams, selection: ReportSelection): URLSearchParams {
  const next = new URLSearchParams();
  for (const key of SELECTION_KEYS) {
    next.set(key, selection[key]);
  }
  for (const [k, v] of params) {
    if (!(SELECTION_KEYS as readonly string[]).includes(k)) {
      next.append(k, v);
    }
  }
  return next;
}

/** The weeks offered for WINDOW are all weeks; newest first for the picker. */
export function weeksNewestFirst(weeks: readonly string[]): string[] {
  return [...weeks].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/** The selection a URL names in full (all four parameters), or null: enough to start loading the report before
 * the filter lists arrive. */
export function completeSelection(params: URLSearchParams): ReportSelection | null {
  const [category, region, window, week] = SELECTION_KEYS.map((k) => params.get(k) ?? "");
  if (!category || !region || !window || !week) {
    return null;
  }
  return { category, region, window: window as ReportWindow, week };
}
