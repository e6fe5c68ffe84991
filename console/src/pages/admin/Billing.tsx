// Rate cards and every project's invoices: create a rate card, close a
// period (invoices every project that used anything in it), download an
// invoice as CSV.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { identity, metering, unwrap, type Metering } from "../../api/client";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNote } from "../../components/ErrorNote";
import { Field } from "../../components/Field";
import { money } from "../../format";
import { flavorsQuery } from "../../api/queries";

/** The prices a rate card sets besides flavors, with what each is per. */
const PRICES = [
  ["vcpu_hour", "vCPU-hour (flavors not listed)"],
  ["ram_gb_hour", "GiB-hour of RAM (flavors not listed)"],
  ["volume_gb_month", "GiB-month of volume"],
  ["snapshot_gb_month", "GiB-month of snapshot"],
  ["image_gb_month", "GiB-month of image"],
  ["floating_ip_hour", "floating IP hour"],
  ["router_hour", "router hour"],
  ["egress_gb", "GiB of egress"],
] as const;
type PriceKey = (typeof PRICES)[number][0];

/** A whole, non-negative number of minor units, or why not. */
export function minorUnits(text: string): number | string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  if (!/^\d+$/.test(t)) return "a whole number of minor units (cents), 0 or more";
  return Number(t);
}

function RateCardForm({ currency }: { currency: string | undefined }) {
  const qc = useQueryClient();
  const flavors = useQuery(flavorsQuery());
  const [from, setFrom] = useState(() => new Date().toISOString().slice(0, 19) + "Z");
  const [cur, setCur] = useState(currency ?? "EUR");
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [flavorPrices, setFlavorPrices] = useState<Record<string, string>>({});
  const problems: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  for (const [k] of PRICES) {
    const v = minorUnits(prices[k] ?? "");
    if (typeof v === "string") problems[k] = v;
    else if (v !== undefined) body[k] = v;
  }
  const flavor_hour: Record<string, number> = {};
  for (const [f, text] of Object.entries(flavorPrices)) {
    const v = minorUnits(text);
    if (typeof v === "string") problems[`flavor:${f}`] = v;
    else if (v !== undefined) flavor_hour[f] = v;
  }
  if (!/^[A-Z]{3}$/.test(cur)) problems.currency = "an ISO 4217 code such as EUR";
  if (Number.isNaN(Date.parse(from))) problems.from = "an RFC 3339 time such as 2027-01-01T00:00:00Z";
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        metering.POST("/v1/rate-cards", {
          body: { rate_card: { effective_from: from, currency: cur, flavor_hour, ...(body as Partial<Record<PriceKey, number>>) } },
        }),
      ),
    onSuccess: () => {
      setPrices({});
      setFlavorPrices({});
      qc.invalidateQueries({ queryKey: ["metering"] });
    },
  });
  return (
    <details className="card">
      <summary>New rate card</summary>
      <form
        aria-label="New rate card"
        onSubmit={(e) => {
          e.preventDefault();
          if (Object.keys(problems).length === 0) create.mutate();
        }}
      >
        <p className="muted">Prices in minor units (cents); a price left empty is 0. A card takes over from its time on; it cannot reach back into a closed invoice.</p>
        <div className="inline-form">
          <Field label="Effective from" error={problems.from}>
            <input value={from} onChange={(e) => setFrom(e.target.value)} />
          </Field>
          <Field label="Currency" error={problems.currency}>
            <input value={cur} onChange={(e) => setCur(e.target.value.toUpperCase())} size={4} disabled={currency !== undefined} />
          </Field>
        </div>
        <div className="inline-form">
          {PRICES.map(([k, label]) => (
            <Field key={k} label={`Per ${label}`} error={problems[k]}>
              <input inputMode="numeric" value={prices[k] ?? ""} onChange={(e) => setPrices({ ...prices, [k]: e.target.value })} size={8} />
            </Field>
          ))}
        </div>
        <h3>Per flavor hour</h3>
        <div className="inline-form">
          {(flavors.data ?? []).map((f) => (
            <Field key={f.id} label={`Flavor ${f.name}`} error={problems[`flavor:${f.name}`]}>
              <input inputMode="numeric" value={flavorPrices[f.name] ?? ""} onChange={(e) => setFlavorPrices({ ...flavorPrices, [f.name]: e.target.value })} size={8} />
            </Field>
          ))}
        </div>
        <button type="submit" className="primary" disabled={create.isPending || Object.keys(problems).length > 0}>
          Create rate card
        </button>
        {create.isSuccess && <span role="status"> Rate card {create.data.rate_card.id} created.</span>}
        <ErrorNote error={create.error} />
      </form>
    </details>
  );
}

type Invoice = Metering["schemas"]["Invoice"];
type RateCard = Metering["schemas"]["RateCard"];

/** The first day of this month and of the next, UTC (a period's bounds). */
export function monthBounds(now = new Date()): [string, string] {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return [start.toISOString().replace(".000", ""), end.toISOString().replace(".000", "")];
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
      {cards.data && <RateCardForm currency={cards.data[0]?.currency} />}
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
