// CSV export of a table (RFC 4180): comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or
// line break. Numbers are written raw, at full precision, so a spreadsheet gets the same figures the report has;
// missing values are empty cells. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start)
// is prefixed with an apostrophe: category names and comments come from outside.

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) {
    return "";
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? String(value) : "";
  }
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) {
    text = `'${text}`;
  }
  if (/[",\r\n]/.test(text)) {
    return `"${text.replace(/"/g, '""')}"`;
  }
  return text;
}

export function toCsv<Row>(columns: readonly CsvColumn<Row>[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(",")];
  for (const row of rows) {
    lines.push(columns.map((c) => csvField(c.value(row))).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** A file name made of the report's selection and the table: "electronics_north_america_WoW_2026-W47_traffic.csv". */
export function csvFileName(parts: readonly string[]): string {
  const safe = parts
    .filter((p) => p !== "")
    .map((p) => p.replace(/[^A-Za-z0-9-]+/g, "_").replace(/^_+|_+$/g, ""))
    .filter((p) => p !== "");
  return `${safe.join("_") || "table"}.csv`;
}

/** Hand the CSV to the browser as a download. The UTF-8 byte-order mark makes spreadsheets read it as UTF-8. */
export function downloadCsv(fileName: string, csv: string): void {
  const blob = new Blob(["\ufeff", csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
