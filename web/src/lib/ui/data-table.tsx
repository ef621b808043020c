// A sortable table with a CSV export. Column headers are buttons (keyboard and screen readers see the sort through
// aria-sort); numbers align right; the export writes the rows in the order shown, with raw values.
import { useMemo, useState, type ReactNode } from "react";
import { toCsv, type CsvColumn } from "@/lib/csv";
import { nextSort, sortRows, type SortState, type SortValue } from "@/lib/sort";
import { CsvButton } from "./csv-button";

export interface Column<Row> {
  key: string;
  header: string;
  /** A longer explanation of the column (shown as the header's title). */
  help?: string;
  numeric?: boolean;
  sortValue?: (row: Row) => SortValue;
  render: (row: Row) => ReactNode;
  /** Only in the CSV (e.g. the previous period's value, which the screen shows inside another cell). */
  csvOnly?: boolean;
  /** Raw value for the CSV; default: the sort value. A column without either is left out of the CSV. */
  csv?: (row: Row) => string | number | boolean | null | undefined;
}

export interface DataTableProps<Row> {
  caption: string;
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  rowKey: (row: Row) => string;
  csvFileName: string;
  initialSort?: SortState | null;
  /** Rows kept under the body whatever the sort (an "Other" or "Total" line); also in the CSV, last. */
  footRows?: readonly Row[];
  /** Extra controls shown beside the caption (e.g. a metric picker). */
  tools?: ReactNode;
  captionHidden?: boolean;
  testId?: string;
}

function BodyRow<Row>({ row, columns }: { row: Row; columns: readonly Column<Row>[] }) {
  return (
    <tr>
      {columns.map((c, i) =>
        i === 0 ? (
          <th key={c.key} scope="row" className={c.numeric ? "num" : undefined}>
            {c.render(row)}
          </th>
        ) : (
          <td key={c.key} className={c.numeric ? "num" : undefined}>
            {c.render(row)}
          </td>
        ),
      )}
    </tr>
  );
}

export function DataTable<Row>(props: DataTableProps<Row>) {
  const { caption, rows, columns: allColumns, rowKey, csvFileName, tools, captionHidden, testId, footRows = [] } = props;
  const columns = allColumns.filter((c) => !c.csvOnly);
  const [sort, setSort] = useState<SortState | null>(props.initialSort ?? null);

  const sorted = useMemo(() => {
    const col = sort ? allColumns.find((c) => c.key === sort.key) : undefined;
    if (!sort || !col?.sortValue) {
      return [...rows];
    }
    return sortRows(rows, col.sortValue, sort.direction);
  }, [rows, allColumns, sort]);

  const buildCsv = () => {
    const csvColumns: CsvColumn<Row>[] = [];
    for (const c of allColumns) {
      const value = c.csv ?? c.sortValue;
      if (value) {
        csvColumns.push({ header: c.header, value });
      }
    }
    return toCsv(csvColumns, [...sorted, ...footRows]);
  };

  return (
    <div className="table-wrap" data-testid={testId}>
      <div className="table-head">
        <span className={captionHidden ? "visually-hidden" : "table-head__title"} aria-hidden="true">
          {caption}
        </span>
        <div className="table-head__tools">
          {tools}
          <CsvButton fileName={csvFileName} build={buildCsv} label={caption} />
        </div>
      </div>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => {
                const active = sort?.key === c.key;
                const ariaSort = active ? (sort.direction === "asc" ? "ascending" : "descending") : "none";
                return (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={c.sortValue ? ariaSort : undefined}
                    className={c.numeric ? "num" : undefined}
                    title={c.help}
                  >
                    {c.sortValue ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={() => setSort((s) => nextSort(s, c.key, !c.numeric))}
                      >
                        {c.header}
                        <span className="sort-button__icon" aria-hidden="true">
                          {active ? (sort.direction === "asc" ? "▲" : "▼") : "↕"}
                        </span>
                      </button>
                    ) : (
                      c.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <BodyRow key={rowKey(row)} row={row} columns={columns} />
            ))}
          </tbody>
          {footRows.length > 0 ? (
            <tfoot>
              {footRows.map((row) => (
                <BodyRow key={rowKey(row)} row={row} columns={columns} />
              ))}
            </tfoot>
          ) : null}
        </table>
      </div>
    </div>
  );
}
