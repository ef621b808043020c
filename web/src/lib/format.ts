// Numbers as a reader expects them, by the metric's unit and catalog format ("currency0", "percent1", "count0",
// "index1", "ratio2"; core/catalog.h). Values arrive at full precision; only here are they rounded, and only for
// display (CSV exports keep the raw numbers). Changes carry a sign and their own unit: a percent metric changes in
// percentage points (pp), never in "%".
import type { ChangeUnit, Unit } from "@/api/contract";

const MINUS = "\u2212"; // a real minus sign: the same width as "+", read correctly by screen readers
export const NOT_AVAILABLE = "n/a";

export interface FormatSpec {
  unit: Unit;
  decimals: number;
}

const FORMAT_RE = /^(currency|percent|count|index|ratio)(\d)$/;
const DEFAULT_DECIMALS: Record<Unit, number> = { currency: 0, percent: 1, count: 0, index: 1, ratio: 2 };

/** Read a catalog format; an unknown or missing one falls back to the unit's default precision. */
export function parseFormat(format: string | null | undefined, unit: Unit): FormatSpec {
  const m = format ? FORMAT_RE.exec(format) : null;
  if (m && m[1] === unit) {
    return { unit, decimals: Number(m[2]) };
  }
  return { unit, decimals: DEFAULT_DECIMALS[unit] ?? 1 };
}

export interface FormatOptions {
  /** Shorten large values (182,340 → 182.3K) for tiles and axes; tables keep full values. */
  compact?: boolean;
  /** ISO 4217 code of the report currency. */
  currency?: string;
  locale?: string;
}

const DEFAULT_LOCALE = "en-US";

function isNumber(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function plain(v: number, decimals: number, opts: FormatOptions): string {
  const compact = opts.compact === true && Math.abs(v) >= 10_000;
  return new Intl.NumberFormat(opts.locale ?? DEFAULT_LOCALE, {
    notation: compact ? "compact" : "standard",
    minimumFractionDigits: compact ? 0 : decimals,
    maximumFractionDigits: compact ? 1 : decimals,
  }).format(v);
}

function money(v: number, decimals: number, opts: FormatOptions): string {
  const compact = opts.compact === true && Math.abs(v) >= 10_000;
  return new Intl.NumberFormat(opts.locale ?? DEFAULT_LOCALE, {
    style: "currency",
    currency: opts.currency ?? "USD",
    notation: compact ? "compact" : "standard",
    minimumFractionDigits: compact ? 0 : decimals,
    maximumFractionDigits: compact ? 1 : decimals,
  }).format(v);
}

function withMinus(s: string): string {
  return s.replace(/-/g, MINUS);
}

/** A value in its unit: "$182,340", "3.4%", "12,345", "104.2", "4.20×"; n/a when missing. */
export function formatValue(
  value: number | null | undefined,
  unit: Unit,
  format?: string | null,
  opts: FormatOptions = {},
): string {
  if (!isNumber(value)) {
    return NOT_AVAILABLE;
  }
  const { decimals } = parseFormat(format, unit);
  switch (unit) {
    case "currency":
      return withMinus(money(value, decimals, opts));
    case "percent":
      return `${withMinus(plain(value, decimals, opts))}%`;
    case "ratio":
      return `${withMinus(plain(value, decimals, opts))}\u00d7`;
    case "count":
    case "index":
    default:
      return withMinus(plain(value, decimals, opts));
  }
}

function sign(v: number, rounded: string): string {
  // sign from the value, but a change that rounds to zero is shown unsigned ("0.0 pp", not "+0.0 pp")
  if (/^[^1-9]*$/.test(rounded)) {
    return "";
  }
  return v > 0 ? "+" : v < 0 ? MINUS : "";
}

/** A change in its change unit, always signed: "+$11,339", "−1.3 pp", "+0.35×", "+2.1 pts" (index points). */
export function formatChange(
  change: number | null | undefined,
  changeUnit: ChangeUnit | string,
  format?: string | null,
  opts: FormatOptions = {},
): string {
  if (!isNumber(change)) {
    return NOT_AVAILABLE;
  }
  const abs = Math.abs(change);
  let body: string;
  switch (changeUnit) {
    case "pp":
      body = `${plain(abs, parseFormat(format, "percent").decimals, opts)} pp`;
      break;
    case "percent":
      body = `${plain(abs, parseFormat(format, "percent").decimals, opts)}%`;
      break;
    case "currency":
      body = money(abs, parseFormat(format, "currency").decimals, opts);
      break;
    case "ratio":
      body = `${plain(abs, parseFormat(format, "ratio").decimals, opts)}\u00d7`;
      break;
    case "index":
      body = `${plain(abs, parseFormat(format, "index").decimals, opts)} pts`;
      break;
    case "count":
    default:
      body = plain(abs, parseFormat(format, "count").decimals, opts);
      break;
  }
  return `${sign(change, body)}${body}`;
}

/** A relative change in percent, signed, one decimal: "+6.6%", "−38.2%". */
export function formatPercentChange(pct: number | null | undefined, opts: FormatOptions = {}): string {
  if (!isNumber(pct)) {
    return NOT_AVAILABLE;
  }
  const body = `${plain(Math.abs(pct), 1, opts)}%`;
  return `${sign(pct, body)}${body}`;
}

/** A share (0–100, in percent) as "42.1%". */
export function formatShare(pct: number | null | undefined, opts: FormatOptions = {}): string {
  if (!isNumber(pct)) {
    return NOT_AVAILABLE;
  }
  return `${plain(pct, 1, opts)}%`;
}

/** The unit a table column of a metric shows: a change unit for the metric's unit. */
export function changeUnitOf(unit: Unit): ChangeUnit {
  return unit === "percent" ? "pp" : unit;
}

/** "paid_search" → "Paid search"; "north_america" → "North america"; ids stay readable without a label table. */
export function humanize(id: string): string {
  if (id === "") {
    return id;
  }
  const spaced = id.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** "north_america" → "North America": for names of places and categories. */
export function titleCase(id: string): string {
  return id
    .split("_")
    .filter((w) => w !== "")
    .map((w) => (/^[A-Z0-9]{2,3}$/.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(" ");
}

const DIMENSION_LABELS: Record<string, string> = {
  region: "Region",
  country: "Country",
  city: "City",
  category_l1: "Category",
  category_l2: "Subcategory",
  category_l3: "Category L3",
  traffic_l1: "Traffic source",
  traffic_l2: "Traffic source L2",
  campaign: "Campaign",
  device_type: "Device",
  device_os: "Device OS",
  customer_type: "Customer type",
  channel: "Channel",
  payment_method: "Payment method",
  fulfilment: "Fulfilment",
  seller_tier: "Seller tier",
  promo_flag: "Promotion",
  price_band: "Price band",
};

export function dimensionLabel(dimension: string): string {
  return DIMENSION_LABELS[dimension] ?? humanize(dimension);
}

/** Words of dimension values that are acronyms or brands; the same list as src/insights/format.c. */
const VALUE_WORDS: Record<string, string> = {
  seo: "SEO",
  crm: "CRM",
  cod: "COD",
  bnpl: "BNPL",
  ios: "iOS",
  tv: "TV",
  sms: "SMS",
  tiktok: "TikTok",
  b2b: "B2B",
  usa: "USA",
  google: "Google",
  bing: "Bing",
  meta: "Meta",
};

/** Dimension values that are codes (US, DE) stay as they are; snake_case ids get humanised, with
 * acronyms and brands spelled as they are ("seo_google" → "SEO Google", "ios" → "iOS"). */
export function valueLabel(value: string): string {
  if (/^[A-Z0-9]{2,3}$/.test(value)) {
    return value;
  }
  return humanize(value)
    .split(" ")
    .map((w) => VALUE_WORDS[w.toLowerCase()] ?? w)
    .join(" ");
}

/** "Traffic source: Paid search › Device: Mobile"; the whole segment when the path is empty. */
export function pathLabel(path: readonly { dimension: string; value: string }[], whole = "All"): string {
  if (path.length === 0) {
    return whole;
  }
  return path.map((s) => `${dimensionLabel(s.dimension)}: ${valueLabel(s.value)}`).join(" \u203a ");
}
