// The network topology: external networks, routers, the project's networks
// and instances, laid out by dagre and drawn as SVG. Every node is a link
// to its page (keyboard-reachable); floating IPs label their instances.
import dagre from "@dagrejs/dagre";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useNavigate } from "react-router";
import { floatingIpsQuery, networksQuery, portsQuery, routersQuery, serversQuery, subnetsQuery } from "../api/queries";
import { ErrorNote } from "../components/ErrorNote";

export type NodeKind = "external" | "network" | "router" | "instance";

export interface TopoNode {
  id: string;
  kind: NodeKind;
  label: string;
  detail: string;
  href: string;
}

export interface TopoEdge {
  from: string;
  to: string;
}

export interface TopoInput {
  networks: { id: string; name: string; "router:external": boolean }[];
  subnets: { network_id: string; cidr: string }[];
  routers: { id: string; name: string; external_gateway_info?: { network_id: string } | null }[];
  ports: { device_id: string; device_owner: string; network_id: string; id: string; fixed_ips: { ip_address: string }[] }[];
  servers: { id: string; name: string; status: string }[];
  floatingips: { port_id?: string | null; floating_ip_address: string }[];
}

/** The graph: what to draw and what connects to what. */
export function topology(t: TopoInput): { nodes: TopoNode[]; edges: TopoEdge[] } {
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const cidrs = (id: string) =>
    t.subnets
      .filter((s) => s.network_id === id)
      .map((s) => s.cidr)
      .join(", ");
  for (const n of t.networks) {
    nodes.push({
      id: n.id,
      kind: n["router:external"] ? "external" : "network",
      label: n.name || n.id.slice(0, 8),
      detail: cidrs(n.id),
      href: `/networks/${n.id}`,
    });
  }
  const known = new Set(nodes.map((n) => n.id));
  for (const r of t.routers) {
    nodes.push({ id: r.id, kind: "router", label: r.name || r.id.slice(0, 8), detail: "router", href: "/routers" });
    const gw = r.external_gateway_info?.network_id;
    if (gw && known.has(gw)) edges.push({ from: gw, to: r.id });
    for (const p of t.ports)
      if (p.device_id === r.id && p.device_owner === "network:router_interface" && known.has(p.network_id))
        edges.push({ from: r.id, to: p.network_id });
  }
  for (const s of t.servers) {
    const mine = t.ports.filter((p) => p.device_id === s.id && p.device_owner.startsWith("compute:"));
    const fips = t.floatingips.filter((f) => mine.some((p) => p.id === f.port_id)).map((f) => f.floating_ip_address);
    const addrs = mine.flatMap((p) => p.fixed_ips.map((f) => f.ip_address));
    nodes.push({
      id: s.id,
      kind: "instance",
      label: s.name,
      detail: [s.status, ...addrs, ...fips.map((f) => `⇄ ${f}`)].join(" · "),
      href: `/instances/${s.id}`,
    });
    for (const p of mine) if (known.has(p.network_id)) edges.push({ from: p.network_id, to: s.id });
  }
  return { nodes, edges };
}

const W = 220;
const H = 54;

export function Topology() {
  const navigate = useNavigate();
  const q = {
    networks: useQuery(networksQuery()),
    subnets: useQuery(subnetsQuery()),
    routers: useQuery(routersQuery()),
    ports: useQuery(portsQuery()),
    servers: useQuery(serversQuery()),
    floatingips: useQuery(floatingIpsQuery()),
  };
  const ready = Object.values(q).every((x) => x.data);
  const error = Object.values(q).find((x) => x.error)?.error;
  const layout = useMemo(() => {
    if (!ready) return null;
    const { nodes, edges } = topology({
      networks: q.networks.data!,
      subnets: q.subnets.data!,
      routers: q.routers.data!,
      ports: q.ports.data! as TopoInput["ports"],
      servers: q.servers.data!,
      floatingips: q.floatingips.data!,
    });
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 60, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n.id, { width: W, height: H });
    for (const e of edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    const size = g.graph();
    return {
      nodes: nodes.map((n) => ({ ...n, x: g.node(n.id).x, y: g.node(n.id).y })),
      edges: g.edges().map((e) => ({ key: `${e.v}-${e.w}`, points: g.edge(e).points })),
      width: size.width ?? 400,
      height: size.height ?? 200,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, q.networks.data, q.subnets.data, q.routers.data, q.ports.data, q.servers.data, q.floatingips.data]);
  return (
    <section>
      <h1>Network topology</h1>
      <p className="muted">
        External networks, routers, networks and instances; select one to open it. <Link to="/networks">Networks</Link> ·{" "}
        <Link to="/routers">Routers</Link>
      </p>
      <ErrorNote error={error} />
      {!layout ? (
        <p className="loading">Loading…</p>
      ) : layout.nodes.length === 0 ? (
        <p>No networks yet.</p>
      ) : (
        <div className="topology">
          <svg width={layout.width} height={layout.height} role="group" aria-label="Network topology" viewBox={`0 0 ${layout.width} ${layout.height}`}>
            {layout.edges.map((e) => (
              <polyline key={e.key} className="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} />
            ))}
            {layout.nodes.map((n) => (
              <a
                key={n.id}
                href={n.href}
                aria-label={`${n.kind} ${n.label}`}
                onClick={(ev) => {
                  ev.preventDefault();
                  navigate(n.href);
                }}
              >
                <g className={`node ${n.kind}`} transform={`translate(${n.x - W / 2},${n.y - H / 2})`} data-kind={n.kind}>
                  <rect width={W} height={H} rx={8} />
                  <text x={10} y={20} className="label">
                    {n.kind === "external" ? "◎ " : n.kind === "router" ? "⇆ " : n.kind === "instance" ? "▣ " : "▭ "}
                    {n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label}
                  </text>
                  <text x={10} y={40} className="detail">
                    {n.detail.length > 34 ? `${n.detail.slice(0, 33)}…` : n.detail}
                  </text>
                  <title>{`${n.label}: ${n.detail}`}</title>
                </g>
              </a>
            ))}
          </svg>
        </div>
      )}
    </section>
  );
}
