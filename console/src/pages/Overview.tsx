// The project at a glance: quota use as bars (compute, network, volume)
// and the newest instances.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { compute, network, unwrap, volume } from "../api/client";
import { idleMs, serversQuery } from "../api/queries";
import { CapacityBar } from "../components/CapacityBar";
import { ErrorNote } from "../components/ErrorNote";
import { StatusBadge } from "../components/StatusBadge";
import { useSession } from "../session";
import { ago } from "../format";

export function Overview() {
  const { project } = useSession();
  const limits = useQuery({
    queryKey: ["compute", "limits"],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/limits", {}))).limits.absolute,
    refetchInterval: idleMs,
  });
  const netQuota = useQuery({
    queryKey: ["network", "quota", project.id],
    queryFn: async () =>
      (await unwrap(network.GET("/v2.0/quotas/{project_id}/details", { params: { path: { project_id: project.id } } }))).quota,
    refetchInterval: idleMs,
  });
  const volLimits = useQuery({
    queryKey: ["volume", "limits", project.id],
    queryFn: async () =>
      (await unwrap(volume.GET("/v3/{project_id}/limits", { params: { path: { project_id: project.id } } }))).limits.absolute,
    refetchInterval: idleMs,
  });
  const servers = useQuery(serversQuery());
  const l = limits.data;
  const q = netQuota.data;
  const v = volLimits.data;
  const recent = [...(servers.data ?? [])].sort((a, b) => (a.updated < b.updated ? 1 : -1)).slice(0, 8);
  return (
    <section>
      <h1>Overview of {project.name}</h1>
      <div className="cards">
        <div className="card" aria-label="Compute quota">
          <h2>Compute</h2>
          <ErrorNote error={limits.error} />
          {l && (
            <>
              <CapacityBar label="Instances" used={l.totalInstancesUsed} total={l.maxTotalInstances} />
              <CapacityBar label="vCPUs" used={l.totalCoresUsed} total={l.maxTotalCores} />
              <CapacityBar label="RAM" used={l.totalRAMUsed / 1024} total={l.maxTotalRAMSize < 0 ? null : l.maxTotalRAMSize / 1024} unit=" GiB" />
            </>
          )}
        </div>
        <div className="card" aria-label="Network quota">
          <h2>Network</h2>
          <ErrorNote error={netQuota.error} />
          {q &&
            (
              [
                ["network", "Networks"],
                ["port", "Ports"],
                ["router", "Routers"],
                ["floatingip", "Floating IPs"],
                ["security_group", "Security groups"],
              ] as const
            )
              .filter(([k]) => q[k])
              .map(([k, label]) => <CapacityBar key={k} label={label} used={q[k].used} total={q[k].limit} />)}
        </div>
        <div className="card" aria-label="Volume quota">
          <h2>Storage</h2>
          <ErrorNote error={volLimits.error} />
          {v && (
            <>
              <CapacityBar label="Volumes" used={v.totalVolumesUsed} total={v.maxTotalVolumes} />
              <CapacityBar label="Volume storage" used={v.totalGigabytesUsed} total={v.maxTotalVolumeGigabytes} unit=" GB" />
              <CapacityBar label="Snapshots" used={v.totalSnapshotsUsed} total={v.maxTotalSnapshots} />
            </>
          )}
        </div>
      </div>
      <h2>Recently changed instances</h2>
      {recent.length === 0 ? (
        <p>
          No instances yet. <Link to="/instances/new">Launch one</Link>.
        </p>
      ) : (
        <ul className="recent">
          {recent.map((s) => (
            <li key={s.id}>
              <Link to={`/instances/${s.id}`}>{s.name}</Link> <StatusBadge status={s.status} taskState={s["OS-EXT-STS:task_state"]} />{" "}
              <span className="muted">{ago(s.updated)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
