// What the panels read, as TanStack Query options: one query key per list,
// lists fetched page by page to the end, and polling that quickens while
// something is in a transitional state (the fallback when live events are
// not flowing).
import { queryOptions } from "@tanstack/react-query";
import { isTransitional } from "../components/StatusBadge";
import { isLive } from "../live";
import { compute, image, network, unwrap, volume, type Compute, type Image, type Network, type Volume } from "./client";

export type Server = Compute["schemas"]["Server"];
export type Flavor = Compute["schemas"]["Flavor"];
export type Keypair = Compute["schemas"]["Keypair"];
export type ImageView = Image["schemas"]["Image"];
export type NetworkView = Network["schemas"]["Network"];
export type Subnet = Network["schemas"]["Subnet"];
export type Port = Network["schemas"]["Port"];
export type SecurityGroup = Network["schemas"]["SecurityGroup"];
export type VolumeView = Volume["schemas"]["Volume"];
export type SnapshotView = Volume["schemas"]["Snapshot"];
export type FloatingIp = Network["schemas"]["FloatingIp"];
export type Router = Network["schemas"]["Router"];

const PAGE = 500;
const BUSY_MS = 1_000;

/** How often an idle list is read again: rarely while the live feed tells
 * us of changes, every few seconds when it is down. */
export function idleMs(): number {
  return isLive() ? 60_000 : 3_000;
}

/** Polls fast while any item is transitional (progress shows), otherwise
 * as idle lists do. */
export function pollWhileBusy<T>(busy: (item: T) => boolean) {
  return (q: { state: { data?: T[] | T } }) => {
    const d = q.state.data;
    const list = Array.isArray(d) ? d : d ? [d] : [];
    return list.some(busy) ? BUSY_MS : idleMs();
  };
}

export const serverBusy = (s: Server) => isTransitional(s.status, s["OS-EXT-STS:task_state"]);

async function allServers(allProjects: boolean): Promise<Server[]> {
  const out: Server[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await unwrap(
      compute.GET("/v2.1/servers/detail", {
        params: { query: { limit: String(PAGE), marker, ...(allProjects ? { all_tenants: "1" } : {}) } },
      }),
    );
    out.push(...page.servers);
    if (page.servers.length < PAGE) return out;
    marker = page.servers[page.servers.length - 1].id;
  }
}

export const serversQuery = (allProjects = false) =>
  queryOptions({
    queryKey: ["compute", "servers", allProjects ? "all" : "project"],
    queryFn: () => allServers(allProjects),
    refetchInterval: pollWhileBusy(serverBusy),
  });

export const serverQuery = (id: string) =>
  queryOptions({
    queryKey: ["compute", "servers", "one", id],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/servers/{server_id}", { params: { path: { server_id: id } } }))).server,
    refetchInterval: pollWhileBusy(serverBusy),
  });

export const flavorsQuery = () =>
  queryOptions({
    queryKey: ["compute", "flavors"],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/flavors/detail", {}))).flavors,
    staleTime: 60_000,
  });

export const keypairsQuery = () =>
  queryOptions({
    queryKey: ["compute", "keypairs"],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/os-keypairs", {}))).keypairs.map((k) => k.keypair),
  });

export const imagesQuery = () =>
  queryOptions({
    queryKey: ["image", "images"],
    queryFn: async () => (await unwrap(image.GET("/v2/images", { params: { query: { limit: 1000 } } }))).images,
    refetchInterval: pollWhileBusy((i: ImageView) => i.status !== "active" && i.status !== "deactivated"),
  });

export const networksQuery = () =>
  queryOptions({
    queryKey: ["network", "networks"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/networks", {}))).networks,
    refetchInterval: idleMs,
  });

export const subnetsQuery = () =>
  queryOptions({
    queryKey: ["network", "subnets"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/subnets", {}))).subnets,
    refetchInterval: idleMs,
  });

export const portsQuery = () =>
  queryOptions({
    queryKey: ["network", "ports"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/ports", {}))).ports,
    refetchInterval: pollWhileBusy((p: Port) => p.status === "BUILD"),
  });

export const securityGroupsQuery = () =>
  queryOptions({
    queryKey: ["network", "security-groups"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/security-groups", {}))).security_groups,
  });

export const volumesQuery = (projectId: string) =>
  queryOptions({
    queryKey: ["volume", "volumes", projectId],
    queryFn: async () =>
      (await unwrap(volume.GET("/v3/{project_id}/volumes/detail", { params: { path: { project_id: projectId } } }))).volumes,
    refetchInterval: pollWhileBusy((v: VolumeView) => isTransitional(v.status)),
  });

export const snapshotsQuery = (projectId: string) =>
  queryOptions({
    queryKey: ["volume", "snapshots", projectId],
    queryFn: async () =>
      (await unwrap(volume.GET("/v3/{project_id}/snapshots/detail", { params: { path: { project_id: projectId } } }))).snapshots,
    refetchInterval: pollWhileBusy((v: SnapshotView) => isTransitional(v.status)),
  });

export const floatingIpsQuery = () =>
  queryOptions({
    queryKey: ["network", "floatingips"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/floatingips", {}))).floatingips,
    refetchInterval: idleMs,
  });

export const routersQuery = () =>
  queryOptions({
    queryKey: ["network", "routers"],
    queryFn: async () => (await unwrap(network.GET("/v2.0/routers", {}))).routers,
    refetchInterval: idleMs,
  });
