// The list of every panel: search, sortable columns, a count, and rows
// virtualised past a screenful, so thousands stay interactive.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useDeferredValue, useMemo, useRef, useState, type ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Makes the column sortable. */
  sort?: (row: T) => string | number;
}

const VIRTUAL_FROM = 60;
const ROW_PX = 41;

export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  search,
  empty = "Nothing here yet.",
  toolbar,
  initialQuery = "",
}: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** The text a row is searched by. */
  search?: (row: T) => string;
  empty?: string;
  toolbar?: ReactNode;
  /** The search to start with (a deep link's `?q=`). */
  initialQuery?: string;
}) {
  const [query, setQuery] = useState(initialQuery);
  const deferred = useDeferredValue(query);
  const [sortBy, setSortBy] = useState<{ col: number; desc: boolean } | null>(null);
  const shown = useMemo(() => {
    const q = deferred.trim().toLowerCase();
    let out = q && search ? rows.filter((r) => search(r).toLowerCase().includes(q)) : rows;
    const sorter = sortBy && columns[sortBy.col]?.sort;
    if (sortBy && sorter) {
      out = [...out].sort((a, b) => {
        const x = sorter(a);
        const y = sorter(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return sortBy.desc ? -c : c;
      });
    }
    return out;
  }, [rows, deferred, search, sortBy, columns]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = shown.length >= VIRTUAL_FROM;
  const v = useVirtualizer({
    count: virtual ? shown.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 10,
  });
  const items = virtual ? v.getVirtualItems() : [];
  const top = virtual && items.length ? items[0].start : 0;
  const bottom = virtual && items.length ? v.getTotalSize() - items[items.length - 1].end : 0;
  const visible = virtual ? items.map((i) => shown[i.index]) : shown;

  return (
    <section className="table-card" aria-label={label}>
      <div className="table-tools">
        {search && (
          <input
            type="search"
            placeholder="Search…"
            aria-label={`Search ${label.toLowerCase()}`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        )}
        <span className="count" aria-live="polite">
          {shown.length === rows.length ? `${rows.length}` : `${shown.length} of ${rows.length}`}
        </span>
        <span className="spacer" />
        {toolbar}
      </div>
      <div ref={scroller} className={virtual ? "table-scroll virtual" : "table-scroll"}>
        <table>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={c.header} scope="col" aria-sort={sortBy?.col === i ? (sortBy.desc ? "descending" : "ascending") : undefined}>
                  {c.sort ? (
                    <button
                      type="button"
                      className="sort"
                      onClick={() => setSortBy((s) => ({ col: i, desc: s?.col === i ? !s.desc : false }))}
                    >
                      {c.header}
                      {sortBy?.col === i ? (sortBy.desc ? " ▼" : " ▲") : ""}
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {top > 0 && (
              <tr aria-hidden="true" className="pad">
                <td colSpan={columns.length} style={{ height: top }} />
              </tr>
            )}
            {visible.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td key={c.header}>{c.cell(r)}</td>
                ))}
              </tr>
            ))}
            {bottom > 0 && (
              <tr aria-hidden="true" className="pad">
                <td colSpan={columns.length} style={{ height: bottom }} />
              </tr>
            )}
            {shown.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="empty">
                  {rows.length === 0 ? empty : "No match."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
