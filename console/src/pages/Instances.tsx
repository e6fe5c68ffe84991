// Instances: every server of the project with live status, search over
// name, id, address and status, a status filter, and quick actions.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { flavorsQuery, serversQuery, type Server } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { StatusBadge } from "../components/StatusBadge";
import { addresses, ago } from "../format";

export function ServerTable({ servers, label, showProject }: { servers: Server[]; label: string; showProject?: boolean }) {
  const flavors = useQuery(flavorsQuery());
  const flavorName = useMemo(() => {
    const m = new Map((flavors.data ?? []).map((f) => [f.id, f.name]));
    return (id: string) => m.get(id) ?? id;
  }, [flavors.data]);
  const [status, setStatus] = useState("");
  const statuses = useMemo(() => [...new Set(servers.map((s) => s.status))].sort(), [servers]);
  const rows = status ? servers.filter((s) => s.status === status) : servers;
  const columns: Column<Server>[] = [
    {
      header: "Name",
      cell: (s) => <Link to={`/instances/${s.id}`}>{s.name || s.id}</Link>,
      sort: (s) => s.name.toLowerCase(),
    },
    { header: "Status", cell: (s) => <StatusBadge status={s.status} taskState={s["OS-EXT-STS:task_state"]} />, sort: (s) => s.status },
    { header: "Addresses", cell: (s) => addresses(s.addresses).join(", ") || "—" },
    { header: "Flavor", cell: (s) => flavorName(s.flavor.id), sort: (s) => flavorName(s.flavor.id) },
    ...(showProject ? [{ header: "Project", cell: (s: Server) => <code>{s.tenant_id.slice(0, 8)}</code>, sort: (s: Server) => s.tenant_id }] : []),
    { header: "Created", cell: (s) => ago(s.created), sort: (s) => s.created },
  ];
  return (
    <DataTable
      label={label}
      rows={rows}
      columns={columns}
      rowKey={(s) => s.id}
      search={(s) => `${s.name} ${s.id} ${s.status} ${addresses(s.addresses).join(" ")}`}
      empty="No instances yet."
      toolbar={
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All statuses</option>
          {statuses.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      }
    />
  );
}

export function Instances() {
  const servers = useQuery(serversQuery());
  return (
    <section>
      <div className="page-head">
        <h1>Instances</h1>
        <Link className="button primary" to="/instances/new">
          Launch instance
        </Link>
      </div>
      <ErrorNote error={servers.error} />
      {servers.isPending ? <p className="loading">Loading…</p> : <ServerTable servers={servers.data ?? []} label="Instances" />}
    </section>
  );
}
