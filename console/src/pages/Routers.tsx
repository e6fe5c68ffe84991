// Routers: create with an external gateway, add and remove interfaces on
// the project's subnets, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { network, unwrap } from "../api/client";
import { networksQuery, portsQuery, routersQuery, subnetsQuery, type Router } from "../api/queries";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { StatusBadge } from "../components/StatusBadge";

export function Routers() {
  const routers = useQuery(routersQuery());
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="page-head">
        <h1>Routers</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create router
        </button>
      </div>
      <ErrorNote error={routers.error} />
      {(routers.data ?? []).length === 0 && <p>No routers yet.</p>}
      <div className="cards">
        {(routers.data ?? []).map((r) => (
          <RouterCard key={r.id} r={r} />
        ))}
      </div>
      {creating && <CreateRouter onClose={() => setCreating(false)} />}
    </section>
  );
}

function RouterCard({ r }: { r: Router }) {
  const qc = useQueryClient();
  const ports = useQuery(portsQuery());
  const subnets = useQuery(subnetsQuery());
  const networks = useQuery(networksQuery());
  const [subnet, setSubnet] = useState("");
  const ifaces = (ports.data ?? []).filter((p) => p.device_id === r.id && p.device_owner === "network:router_interface");
  const attached = new Set(ifaces.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)));
  const refresh = () => qc.invalidateQueries({ queryKey: ["network"] });
  const add = useMutation({
    mutationFn: () =>
      unwrap(network.PUT("/v2.0/routers/{router_id}/add_router_interface", { params: { path: { router_id: r.id } }, body: { subnet_id: subnet } })),
    onSuccess: () => {
      setSubnet("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (subnet_id: string) =>
      unwrap(network.PUT("/v2.0/routers/{router_id}/remove_router_interface", { params: { path: { router_id: r.id } }, body: { subnet_id } })),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: () => unwrap(network.DELETE("/v2.0/routers/{router_id}", { params: { path: { router_id: r.id } } })),
    onSuccess: refresh,
  });
  const gw = r.external_gateway_info;
  const netName = (id: string) => networks.data?.find((n) => n.id === id)?.name ?? id.slice(0, 8);
  return (
    <article className="card" aria-label={`Router ${r.name || r.id}`}>
      <h2>
        {r.name || r.id.slice(0, 8)} <StatusBadge status={r.status} />
      </h2>
      <p className="muted">
        Gateway: {gw ? `${netName(gw.network_id)} (${gw.external_fixed_ips.map((f) => f.ip_address).join(", ")})` : "none"}
      </p>
      <h3>Interfaces</h3>
      <ul>
        {ifaces.map((p) => (
          <li key={p.id}>
            {p.fixed_ips.map((f) => f.ip_address).join(", ")} on {netName(p.network_id)}{" "}
            <button
              type="button"
              className="ghost danger"
              onClick={() => remove.mutate(p.fixed_ips[0]?.subnet_id ?? "")}
              aria-label={`Remove interface ${p.fixed_ips.map((f) => f.ip_address).join(", ")}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="inline-form">
        <Field label="Add interface on subnet">
          <select value={subnet} onChange={(e) => setSubnet(e.target.value)}>
            <option value="">Choose…</option>
            {(subnets.data ?? [])
              .filter((s) => !attached.has(s.id) && !networks.data?.find((n) => n.id === s.network_id)?.["router:external"])
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name || s.id.slice(0, 8)} ({s.cidr})
                </option>
              ))}
          </select>
        </Field>
        <button type="button" disabled={!subnet || add.isPending} onClick={() => add.mutate()}>
          Add interface
        </button>
      </div>
      <ErrorNote error={add.error ?? remove.error ?? del.error} />
      <button type="button" className="danger" onClick={() => del.mutate()} disabled={del.isPending}>
        Delete router
      </button>
    </article>
  );
}

function CreateRouter({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const networks = useQuery(networksQuery());
  const external = (networks.data ?? []).filter((n) => n["router:external"]);
  const [name, setName] = useState("");
  const [gateway, setGateway] = useState("");
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        network.POST("/v2.0/routers", {
          body: { router: { name: name.trim(), ...(gateway ? { external_gateway_info: { network_id: gateway } } : {}) } },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["network"] });
      onClose();
    },
  });
  return (
    <Modal title="Create router" open onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) go.mutate();
        }}
      >
        <Field label="Router name" error={go.isIdle || name.trim() ? null : "A name is required."}>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="External gateway">
          <select value={gateway} onChange={(e) => setGateway(e.target.value)}>
            <option value="">None</option>
            {external.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </Field>
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={go.isPending || !name.trim()}>
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}
