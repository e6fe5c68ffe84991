// Every project's instances, volumes and networks, for admins.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { identity, network, unwrap, volume } from "../../api/client";
import { serversQuery, type NetworkView, type VolumeView } from "../../api/queries";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNote } from "../../components/ErrorNote";
import { StatusBadge } from "../../components/StatusBadge";
import { useSession } from "../../session";
import { ServerTable } from "../Instances";

function useProjectNames() {
  const projects = useQuery({ queryKey: ["identity", "projects"], queryFn: async () => (await unwrap(identity.GET("/v3/projects", {}))).projects });
  return (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id.slice(0, 8);
}

export function AllInstances() {
  const servers = useQuery(serversQuery(true));
  return (
    <section>
      <h1>All instances</h1>
      <ErrorNote error={servers.error} />
      <ServerTable servers={servers.data ?? []} label="All instances" showProject />
    </section>
  );
}

export function AllVolumes() {
  const { project } = useSession();
  const projectName = useProjectNames();
  const volumes = useQuery({
    queryKey: ["volume", "volumes", "all"],
    queryFn: async () =>
      (await unwrap(volume.GET("/v3/{project_id}/volumes/detail", { params: { path: { project_id: project.id }, query: { all_tenants: "1" } } }))).volumes,
  });
  const columns: Column<VolumeView>[] = [
    { header: "Name", cell: (v) => v.name || v.id.slice(0, 8), sort: (v) => (v.name ?? "").toLowerCase() },
    { header: "Project", cell: (v) => projectName(v["os-vol-tenant-attr:tenant_id"]), sort: (v) => v["os-vol-tenant-attr:tenant_id"] },
    { header: "Size", cell: (v) => `${v.size} GiB`, sort: (v) => v.size },
    { header: "Status", cell: (v) => <StatusBadge status={v.status} />, sort: (v) => v.status },
    { header: "Host", cell: (v) => v["os-vol-host-attr:host"] ?? "—" },
  ];
  return (
    <section>
      <h1>All volumes</h1>
      <ErrorNote error={volumes.error} />
      <DataTable label="All volumes" rows={volumes.data ?? []} columns={columns} rowKey={(v) => v.id} search={(v) => `${v.name} ${v.id} ${v.status}`} />
    </section>
  );
}

export function AllNetworks() {
  const projectName = useProjectNames();
  const networks = useQuery({ queryKey: ["network", "networks", "all"], queryFn: async () => (await unwrap(network.GET("/v2.0/networks", {}))).networks });
  const columns: Column<NetworkView>[] = [
    { header: "Name", cell: (n) => <Link to={`/networks/${n.id}`}>{n.name || n.id}</Link>, sort: (n) => n.name.toLowerCase() },
    { header: "Project", cell: (n) => projectName(n.project_id), sort: (n) => n.project_id },
    { header: "Type", cell: (n) => `${n["provider:network_type"] ?? "—"} ${n["provider:segmentation_id"] ?? ""}` },
    { header: "Kind", cell: (n) => [n["router:external"] && "external", n.shared && "shared"].filter(Boolean).join(", ") || "project" },
    { header: "Status", cell: (n) => <StatusBadge status={n.status} /> },
  ];
  return (
    <section>
      <h1>All networks</h1>
      <ErrorNote error={networks.error} />
      <DataTable label="All networks" rows={networks.data ?? []} columns={columns} rowKey={(n) => n.id} search={(n) => `${n.name} ${n.id} ${n.project_id}`} />
    </section>
  );
}
