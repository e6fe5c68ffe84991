// One network: its subnets (add, delete), its ports, and deletion.
import { forgetDeleted } from "../api/cache";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { network, unwrap } from "../api/client";
import { portsQuery, subnetsQuery } from "../api/queries";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { StatusBadge } from "../components/StatusBadge";
import { cidrProblem } from "./Networks";

export function NetworkDetail() {
  const { id = "" } = useParams();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const del = useMutation({
    mutationFn: () => unwrap(network.DELETE("/v2.0/networks/{network_id}", { params: { path: { network_id: id } } })),
    onSuccess: () => {
      forgetDeleted(qc, ["network", "networks", id], ["network"], () => navigate("/networks"));
    },
  });
  const net = useQuery({
    queryKey: ["network", "networks", id],
    queryFn: async () => (await unwrap(network.GET("/v2.0/networks/{network_id}", { params: { path: { network_id: id } } }))).network,
    // Not read while it is being deleted: the delete's live announcement
    // can arrive before the delete's own answer.
    enabled: !(del.isPending || del.isSuccess),
  });
  const subnets = useQuery(subnetsQuery());
  const ports = useQuery(portsQuery());
  const delSubnet = useMutation({
    mutationFn: (subnet_id: string) => unwrap(network.DELETE("/v2.0/subnets/{subnet_id}", { params: { path: { subnet_id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["network"] }),
  });
  if (net.isPending) return <p className="loading">Loading…</p>;
  if (net.isError) return <ErrorNote error={net.error} />;
  const n = net.data;
  const mine = (subnets.data ?? []).filter((s) => s.network_id === id);
  const itsPorts = (ports.data ?? []).filter((p) => p.network_id === id);
  return (
    <section>
      <p className="crumbs">
        <Link to="/networks">Networks</Link> /
      </p>
      <div className="page-head">
        <h1>{n.name || n.id}</h1>
        <StatusBadge status={n.status} />
        <span className="spacer" />
        <button type="button" className="danger" disabled={del.isPending} onClick={() => del.mutate()}>
          Delete network
        </button>
      </div>
      <ErrorNote error={del.error} />
      <dl className="facts">
        <dt>ID</dt>
        <dd>
          <code>{n.id}</code>
        </dd>
        <dt>Type</dt>
        <dd>
          {n["provider:network_type"] ?? "—"} {n["provider:segmentation_id"] ?? ""}
        </dd>
        <dt>MTU</dt>
        <dd>{n.mtu}</dd>
      </dl>
      <h2>Subnets</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Range</th>
            <th scope="col">Gateway</th>
            <th scope="col">DHCP</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {mine.map((s) => (
            <tr key={s.id}>
              <td>{s.name || s.id}</td>
              <td>{s.cidr}</td>
              <td>{s.gateway_ip ?? "—"}</td>
              <td>{s.enable_dhcp ? "yes" : "no"}</td>
              <td>
                <button type="button" className="ghost danger" onClick={() => delSubnet.mutate(s.id)} aria-label={`Delete subnet ${s.name || s.id}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote error={delSubnet.error} />
      <AddSubnet networkId={id} />
      <h2>Ports</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Port</th>
            <th scope="col">Addresses</th>
            <th scope="col">Attached to</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {itsPorts.map((p) => (
            <tr key={p.id}>
              <td>
                <code>{p.name || p.id.slice(0, 8)}</code>
              </td>
              <td>{p.fixed_ips.map((f) => f.ip_address).join(", ")}</td>
              <td>
                {p.device_owner?.startsWith("compute:") ? (
                  <Link to={`/instances/${p.device_id}`}>instance {p.device_id.slice(0, 8)}</Link>
                ) : (
                  p.device_owner || "—"
                )}
              </td>
              <td>
                <StatusBadge status={p.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function AddSubnet({ networkId }: { networkId: string }) {
  const qc = useQueryClient();
  const [cidr, setCidr] = useState("");
  const [name, setName] = useState("");
  const [tried, setTried] = useState(false);
  const problem = cidrProblem(cidr);
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        network.POST("/v2.0/subnets", {
          body: { subnet: { network_id: networkId, cidr: cidr.trim(), ip_version: cidr.includes(":") ? 6 : 4, name: name.trim() } },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["network"] });
      setCidr("");
      setName("");
      setTried(false);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!problem) go.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Add subnet">
      <Field label="Subnet name">
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Range (CIDR)" error={tried ? problem : null}>
        <input value={cidr} onChange={(e) => setCidr(e.target.value)} placeholder="10.0.1.0/24" />
      </Field>
      <button type="submit" disabled={go.isPending}>
        Add subnet
      </button>
      <ErrorNote error={go.error} />
    </form>
  );
}
