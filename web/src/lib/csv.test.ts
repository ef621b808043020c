import { describe, expect, it } from "vitest";
import { csvField, csvFileName, toCsv, type CsvColumn } from "./csv";

interface Row {
  value: string;
  current: number | null;
  share: number;
}

const columns: CsvColumn<Row>[] = [
  { header: "Value", value: (r) => r.value },
  { header: "Current", value: (r) => r.current },
  { header: "Share, %", value: (r) => r.share },
];

describe("toCsv", () => {
  it("writes a header and one line per row, numbers at full precision", () => {
    const csv = toCsv(columns, [
      { value: "paid_search", current: 182340.123456, share: 42.0625 },
      { value: "organic", current: null, share: -3.5 },
    ]);
    expect(csv).toBe('Value,Current,"Share, %"\r\npaid_search,182340.123456,42.0625\r\norganic,,-3.5\r\n');
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(csvField('Toys, "games"')).toBe('"Toys, ""games"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });

  it("neutralises text a spreadsheet would run as a formula, but not negative numbers", () => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-12.5)).toBe("-12.5");
  });

  it("leaves missing and non-finite values empty", () => {
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.POSITIVE_INFINITY)).toBe("");
  });

  it("writes only the header for an empty table", () => {
    expect(toCsv(columns, [])).toBe('Value,Current,"Share, %"\r\n');
  });
});

describe("csvFileName", () => {
  it("joins the selection into a safe file name", () => {
    expect(csvFileName(["electronics", "north_america", "WoW", "2026-W47", "traffic source"])).toBe(
      "electronics_north_america_WoW_2026-W47_traffic_source.csv",
    );
    expect(csvFileName(["../../etc", ""])).toBe("etc.csv");
  });
});
