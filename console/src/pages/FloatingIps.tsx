// Floating IPs: allocate from an external network, associate with an
// instance's port, disassociate, release.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { network, unwrap } from "../api/client";
import { floatingIpsQuery, networksQuery, portsQuery, serversQuery, type FloatingIp } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { StatusBadge } from "../components/StatusBadge";

export function FloatingIps() {
  const qc = useQueryClient();
  const fips = useQuery(floatingIpsQuery());
  const networks = useQuery(networksQuery());
  const ports = useQuery(portsQuery());
  const servers = useQuery(serversQuery());
  const [allocating, setAllocating] = useState(false);
  const [associating, setAssociating] = useState<FloatingIp | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ["network"] });
  const update = useMutation({
    mutationFn: ({ id, port_id }: { id: string; port_id: string | null }) =>
      unwrap(network.PUT("/v2.0/floatingips/{floatingip_id}", { params: { path: { floatingip_id: id } }, body: { floatingip: { port_id } } })),
    onSuccess: refresh,
  });
  const release = useMutation({
    mutationFn: (id: string) => unwrap(network.DELETE("/v2.0/floatingips/{floatingip_id}", { params: { path: { floatingip_id: id } } })),
    onSuccess: refresh,
  });
  const instanceOf = (portId?: string | null) => {
    const port = ports.data?.find((p) => p.id === portId);
    return servers.data?.find((s) => s.id === port?.device_id);
  };
  const columns: Column<FloatingIp>[] = [
    { header: "Address", cell: (f) => f.floating_ip_address, sort: (f) => f.floating_ip_address },
    { header: "Status", cell: (f) => <StatusBadge status={f.status} /> },
    {
      header: "Mapped to",
      cell: (f) => {
        const s = instanceOf(f.port_id);
        return f.port_id ? (
          <>
            {s ? <Link to={`/instances/${s.id}`}>{s.name}</Link> : <code>{f.port_id.slice(0, 8)}</code>} ({f.fixed_ip_address})
          </>
        ) : (
          "—"
        );
      },
    },
    { header: "Pool", cell: (f) => networks.data?.find((n) => n.id === f.floating_network_id)?.name ?? f.floating_network_id.slice(0, 8) },
    {
      header: "Actions",
      cell: (f) => (
        <span className="row-actions">
          {f.port_id ? (
            <button type="button" onClick={() => update.mutate({ id: f.id, port_id: null })} aria-label={`Disassociate ${f.floating_ip_address}`}>
              Disassociate
            </button>
          ) : (
            <button type="button" onClick={() => setAssociating(f)} aria-label={`Associate ${f.floating_ip_address}`}>
              Associate
            </button>
          )}
          <button type="button" className="danger" onClick={() => release.mutate(f.id)} aria-label={`Release ${f.floating_ip_address}`}>
            Release
          </button>
        </span>
      ),
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Floating IPs</h1>
        <button type="button" className="primary" onClick={() => setAllocating(true)}>
          Allocate IP
        </button>
      </div>
      <ErrorNote error={fips.error ?? update.error ?? release.error} />
      <DataTable
        label="Floating IPs"
        rows={fips.data ?? []}
        columns={columns}
        rowKey={(f) => f.id}
        search={(f) => `${f.floating_ip_address} ${f.fixed_ip_address ?? ""}`}
        empty="No floating IPs allocated."
      />
      {allocating && <Allocate onClose={() => setAllocating(false)} />}
      {associating && <Associate fip={associating} onClose={() => setAssociating(null)} />}
    </section>
  );
}

function Allocate({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const networks = useQuery(networksQuery());
  const external = (networks.data ?? []).filter((n) => n["router:external"]);
  const [pool, setPool] = useState("");
  const chosen = pool || external[0]?.id || "";
  const go = useMutation({
    mutationFn: () => unwrap(network.POST("/v2.0/floatingips", { body: { floatingip: { floating_network_id: chosen } } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["network"] });
      onClose();
    },
  });
  return (
    <Modal title="Allocate floating IP" open onClose={onClose}>
      {external.length === 0 ? (
        <p>There is no external network to allocate from; an admin makes one.</p>
      ) : (
        <Field label="Pool">
          <select value={chosen} onChange={(e) => setPool(e.target.value)}>
            {external.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorNote error={go.error} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={!chosen || go.isPending} onClick={() => go.mutate()}>
          Allocate
        </button>
      </div>
    </Modal>
  );
}

function Associate({ fip, onClose }: { fip: FloatingIp; onClose: () => void }) {
  const qc = useQueryClient();
  const ports = useQuery(portsQuery());
  const servers = useQuery(serversQuery());
  const candidates = (ports.data ?? []).filter((p) => p.device_owner?.startsWith("compute:"));
  const [port, setPort] = useState("");
  const go = useMutation({
    mutationFn: () =>
      unwrap(network.PUT("/v2.0/floatingips/{floatingip_id}", { params: { path: { floatingip_id: fip.id } }, body: { floatingip: { port_id: port } } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["network"] });
      qc.invalidateQueries({ queryKey: ["compute", "servers"] });
      onClose();
    },
  });
  return (
    <Modal title={`Associate ${fip.floating_ip_address}`} open onClose={onClose}>
      <Field label="Instance port">
        <select value={port} onChange={(e) => setPort(e.target.value)}>
          <option value="">Choose…</option>
          {candidates.map((p) => (
            <option key={p.id} value={p.id}>
              {servers.data?.find((s) => s.id === p.device_id)?.name ?? p.device_id.slice(0, 8)} — {p.fixed_ips.map((f) => f.ip_address).join(", ")}
            </option>
          ))}
        </select>
      </Field>
      <ErrorNote error={go.error} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={!port || go.isPending} onClick={() => go.mutate()}>
          Associate
        </button>
      </div>
    </Modal>
  );
}
