import { downloadCsv } from "@/lib/csv";

/** "Export CSV" for one table: the file holds the table's rows in their current order, with raw numbers. */
export function CsvButton({ fileName, build, label }: { fileName: string; build: () => string; label: string }) {
  return (
    <button
      type="button"
      className="button button--quiet no-print"
      onClick={() => downloadCsv(fileName, build())}
      aria-label={`Export ${label} as CSV`}
    >
      <span aria-hidden="true">⤓</span> CSV
    </button>
  );
}
