// Networks: the project's and shared/external ones, with a form that
// makes a network and, optionally, its first subnet.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { network, unwrap } from "../api/client";
import { networksQuery, subnetsQuery, type NetworkView } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { StatusBadge } from "../components/StatusBadge";

/** Whether `cidr` is an IPv4 or IPv6 prefix in CIDR notation. */
export function cidrProblem(cidr: string): string | null {
  const m = cidr.trim().match(/^([0-9a-fA-F:.]+)\/(\d{1,3})$/);
  if (!m) return "Write the range as address/prefix, e.g. 10.0.0.0/24.";
  const [, addr, len] = m;
  const n = Number(len);
  if (addr.includes(":")) return n <= 128 ? null : "An IPv6 prefix is at most 128.";
  const parts = addr.split(".");
  if (parts.length !== 4 || parts.some((p) => p === "" || Number(p) > 255)) return "Not an IPv4 address.";
  return n <= 32 ? null : "An IPv4 prefix is at most 32.";
}

export function Networks() {
  const networks = useQuery(networksQuery());
  const subnets = useQuery(subnetsQuery());
  const [creating, setCreating] = useState(false);
  const cidrs = (n: NetworkView) =>
    (subnets.data ?? [])
      .filter((s) => s.network_id === n.id)
      .map((s) => s.cidr)
      .join(", ");
  const columns: Column<NetworkView>[] = [
    { header: "Name", cell: (n) => <Link to={`/networks/${n.id}`}>{n.name || n.id}</Link>, sort: (n) => n.name.toLowerCase() },
    { header: "Subnets", cell: (n) => cidrs(n) || "—" },
    { header: "Status", cell: (n) => <StatusBadge status={n.status} />, sort: (n) => n.status },
    {
      header: "Kind",
      cell: (n) => [n["router:external"] && "external", n.shared && "shared"].filter(Boolean).join(", ") || "project",
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Networks</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create network
        </button>
      </div>
      <ErrorNote error={networks.error} />
      <DataTable
        label="Networks"
        rows={networks.data ?? []}
        columns={columns}
        rowKey={(n) => n.id}
        search={(n) => `${n.name} ${n.id} ${cidrs(n)}`}
        empty="No networks yet."
      />
      <CreateNetwork open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateNetwork({ open, onClose }: { open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [cidr, setCidr] = useState("");
  const [subnetName, setSubnetName] = useState("");
  const [tried, setTried] = useState(false);
  const cidrError = cidr ? cidrProblem(cidr) : null;
  const go = useMutation({
    mutationFn: async () => {
      const made = await unwrap(network.POST("/v2.0/networks", { body: { network: { name: name.trim() } } }));
      if (cidr) {
        try {
          await unwrap(
            network.POST("/v2.0/subnets", {
              body: {
                subnet: {
                  network_id: made.network.id,
                  cidr: cidr.trim(),
                  ip_version: cidr.includes(":") ? 6 : 4,
                  name: subnetName.trim() || `${name.trim()}-subnet`,
                },
              },
            }),
          );
        } catch (e) {
          // Leave nothing half-made: the network goes with its subnet.
          await network.DELETE("/v2.0/networks/{network_id}", { params: { path: { network_id: made.network.id } } });
          throw e;
        }
      }
      return made;
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["network"] });
      setName("");
      setCidr("");
      setSubnetName("");
      setTried(false);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (name.trim() && !cidrError) go.mutate();
  };
  return (
    <Modal title="Create network" open={open} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field label="Network name" error={tried && !name.trim() ? "A name is required." : null}>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Subnet range (CIDR)" hint="Optional: e.g. 10.0.0.0/24" error={tried ? cidrError : null}>
          <input value={cidr} onChange={(e) => setCidr(e.target.value)} />
        </Field>
        {cidr && (
          <Field label="Subnet name">
            <input value={subnetName} onChange={(e) => setSubnetName(e.target.value)} placeholder={`${name || "network"}-subnet`} />
          </Field>
        )}
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={go.isPending}>
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}
