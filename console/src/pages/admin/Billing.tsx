// Rate cards and every project's invoices: create a rate card, close a
// period (invoices every project that used anything in it), download an
// invoice as CSV.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { identity, metering, unwrap, type Metering } from "../../api/client";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNote } from "../../components/ErrorNote";
import { Field } from "../../components/Field";

type Invoice = Metering["schemas"]["Invoice"];
type RateCard = Metering["schemas"]["RateCard"];

/** The first day of this month and of the next, UTC (a period's bounds). */
export function monthBounds(now = new Date()): [string, string] {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return [start.toISOString().replace(".000", ""), end.toISOString().replace(".000", "")];
}

export function money(minor: number | null | undefined, currency?: string | null): string {
  if (minor == null) return "—";
  return `${(minor / 100).toFixed(2)} ${currency ?? ""}`.trim();
}

export function Billing() {
  const qc = useQueryClient();
  const cards = useQuery({ queryKey: ["metering", "rate-cards"], queryFn: async () => (await unwrap(metering.GET("/v1/rate-cards", {}))).rate_cards });
  const invoices = useQuery({ queryKey: ["metering", "invoices"], queryFn: async () => (await unwrap(metering.GET("/v1/invoices", {}))).invoices });
  const projects = useQuery({ queryKey: ["identity", "projects"], queryFn: async () => (await unwrap(identity.GET("/v3/projects", {}))).projects });
  const [month] = useState(monthBounds);
  const [period, setPeriod] = useState({ start: month[0], end: month[1] });
  const close = useMutation({
    mutationFn: () => unwrap(metering.POST("/v1/invoices/close-period", { body: { period: { period_start: period.start, period_end: period.end } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["metering", "invoices"] }),
  });
  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  const invoiceColumns: Column<Invoice>[] = [
    { header: "Project", cell: (i) => projectName(i.project_id), sort: (i) => projectName(i.project_id) },
    { header: "Period", cell: (i) => `${i.period_start.slice(0, 10)} – ${i.period_end.slice(0, 10)}`, sort: (i) => i.period_start },
    { header: "Status", cell: (i) => i.status },
    { header: "Total", cell: (i) => money(i.total, i.currency), sort: (i) => i.total ?? 0 },
    {
      header: "CSV",
      cell: (i) => (
        <a href={`/api/metering/v1/invoices/${i.id}/csv`} download={`invoice-${i.id}.csv`}>
          Download
        </a>
      ),
    },
  ];
  const cardColumns: Column<RateCard>[] = [
    { header: "From", cell: (c) => c.effective_from, sort: (c) => c.effective_from },
    { header: "Currency", cell: (c) => c.currency },
    { header: "vCPU hour", cell: (c) => c.vcpu_hour ?? "—" },
    { header: "RAM GB hour", cell: (c) => c.ram_gb_hour ?? "—" },
    { header: "Volume GB month", cell: (c) => c.volume_gb_month ?? "—" },
    { header: "Floating IP hour", cell: (c) => c.floating_ip_hour ?? "—" },
    { header: "Flavors", cell: (c) => Object.entries(c.flavor_hour).map(([f, p]) => `${f} ${p}/h`).join(", ") || "—" },
  ];
  return (
    <section>
      <h1>Billing</h1>
      <h2>Rate cards</h2>
      <ErrorNote error={cards.error} />
      <DataTable label="Rate cards" rows={cards.data ?? []} columns={cardColumns} rowKey={(c) => String(c.id)} empty="No rate card: nothing is priced." />
      <h2>Invoices</h2>
      <form
        className="inline-form"
        aria-label="Close a period"
        onSubmit={(e) => {
          e.preventDefault();
          close.mutate();
        }}
      >
        <Field label="Period start">
          <input value={period.start} onChange={(e) => setPeriod({ ...period, start: e.target.value })} />
        </Field>
        <Field label="Period end">
          <input value={period.end} onChange={(e) => setPeriod({ ...period, end: e.target.value })} />
        </Field>
        <button type="submit" className="primary" disabled={close.isPending}>
          Close period
        </button>
        {close.data && (
          <span role="status">
            {close.data.period.closed} invoices closed, {money(close.data.period.total, close.data.period.currency)}
          </span>
        )}
        <ErrorNote error={close.error} />
      </form>
      <ErrorNote error={invoices.error} />
      <DataTable label="Invoices" rows={invoices.data ?? []} columns={invoiceColumns} rowKey={(i) => i.id} search={(i) => `${projectName(i.project_id)} ${i.status}`} />
    </section>
  );
}
