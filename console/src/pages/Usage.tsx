// Usage and invoices: the project's metered usage of the last days as a
// chart per resource type (a series per metric, summed by day), the rows
// as CSV, and the project's invoices with their CSV.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { metering, unwrap, type Metering } from "../api/client";
import { BarChart } from "../components/Chart";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { download, money } from "../format";
import { byTypeAndDay, usageCsv } from "./usage-data";

type Invoice = Metering["schemas"]["Invoice"];

const DAYS = 7;

export function Usage() {
  const [from] = useState(() => new Date(Date.now() - (DAYS - 1) * 86400_000));
  const usage = useQuery({
    queryKey: ["metering", "usage", from.toISOString().slice(0, 10)],
    queryFn: async () =>
      (
        await unwrap(
          metering.GET("/v1/usage", {
            params: { query: { start: `${from.toISOString().slice(0, 10)}T00:00:00Z` } },
          }),
        )
      ).usage,
    refetchInterval: 60_000,
  });
  const invoices = useQuery({ queryKey: ["metering", "invoices"], queryFn: async () => (await unwrap(metering.GET("/v1/invoices", {}))).invoices });
  const charts = useMemo(() => byTypeAndDay(usage.data ?? [], from, DAYS), [usage.data, from]);
  const columns: Column<Invoice>[] = [
    { header: "Period", cell: (i) => `${i.period_start.slice(0, 10)} – ${i.period_end.slice(0, 10)}`, sort: (i) => i.period_start },
    { header: "Status", cell: (i) => i.status },
    { header: "Total", cell: (i) => money(i.total, i.currency) },
    {
      header: "CSV",
      cell: (i) => (
        <a href={`/api/metering/v1/invoices/${i.id}/csv`} download={`invoice-${i.id}.csv`}>
          Download
        </a>
      ),
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Usage</h1>
        <span className="muted">the last {DAYS} days, per day (UTC)</span>
        <span className="spacer" />
        <button type="button" disabled={!usage.data?.length} onClick={() => download("usage.csv", usageCsv(usage.data ?? []), "text/csv")}>
          Download usage CSV
        </button>
      </div>
      <ErrorNote error={usage.error} />
      {usage.isPending && <p className="loading">Loading…</p>}
      {usage.data && charts.length === 0 && <p>No usage recorded in these days yet.</p>}
      <div className="charts">
        {charts.map((c) => (
          <BarChart key={c.type} title={`${c.type} usage`} days={c.days} series={c.series} />
        ))}
      </div>
      <h2>Invoices</h2>
      <ErrorNote error={invoices.error} />
      <DataTable label="Invoices" rows={invoices.data ?? []} columns={columns} rowKey={(i) => i.id} empty="No invoices yet." />
    </section>
  );
}
