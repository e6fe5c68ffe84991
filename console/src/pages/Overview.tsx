// The project at a glance: quota use as bars (compute, network, volume),
// what it has cost so far this month (by day, from metering), the latest
// actions anyone took in it, and the newest instances.
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Link } from "react-router";
import { compute, metering, network, unwrap, volume } from "../api/client";
import { idleMs, serversQuery } from "../api/queries";
import { recentActions, type RecentAction } from "../api/session";
import { CapacityBar } from "../components/CapacityBar";
import { ErrorNote } from "../components/ErrorNote";
import { StatusBadge } from "../components/StatusBadge";
import { useSession } from "../session";
import { ago, money } from "../format";

const CostChart = lazy(() => import("./CostChart"));

/** Where a resource an action touched is shown. */
const PAGES: Record<string, string> = {
  "compute/servers": "/instances/:id",
  "compute/os-keypairs": "/key-pairs",
  "network/networks": "/networks/:id",
  "network/subnets": "/networks",
  "network/ports": "/networks",
  "network/routers": "/routers",
  "network/floatingips": "/floating-ips",
  "network/security-groups": "/security-groups",
  "network/security-group-rules": "/security-groups",
  "volume/volumes": "/volumes",
  "volume/snapshots": "/volumes",
  "image/images": "/images",
};

/** What an action did, in words: "deleted", "created", "acted on"... */
function verb(a: RecentAction): string {
  switch (a.action) {
    case "create":
      return "created";
    case "update":
      return "updated";
    case "delete":
      return "deleted";
    case "action":
      return "acted on";
    default:
      return a.action ? `${a.action.replaceAll("_", " ")}:` : "changed";
  }
}

function ActionLine({ a, name }: { a: RecentAction; name: string | undefined }) {
  const page = PAGES[`${a.service}/${a.kind}`];
  const what = `${a.kind.replace(/^os-/, "").replace(/s$/, "")} ${name ?? a.id ?? ""}`.trim();
  const target =
    page && a.action !== "delete" && (a.id || !page.includes(":id")) ? <Link to={page.replace(":id", a.id ?? "")}>{what}</Link> : what;
  return (
    <li>
      <strong>{a.user_name ?? "someone"}</strong> {verb(a)} {target} <span className="muted">{ago(a.at)}</span>
    </li>
  );
}

function Cost() {
  const costs = useQuery({
    queryKey: ["metering", "costs"],
    queryFn: async () => (await unwrap(metering.GET("/v1/costs", {}))).costs,
    refetchInterval: () => Math.max(idleMs(), 60_000),
  });
  const c = costs.data;
  const currency = c?.currency ?? "";
  return (
    <div className="card wide" aria-label="Cost this month">
      <h2>Cost this month</h2>
      <ErrorNote error={costs.error} />
      {c && !c.currency && <p>No rate card yet: nothing is billed.</p>}
      {c?.currency && (
        <>
          <p className="big">{money(c.total, currency)}</p>
          <ul className="plain">
            {Object.entries(c.by_type)
              .filter(([, v]) => v > 0)
              .map(([t, v]) => (
                <li key={t}>
                  {t.replaceAll("_", " ")}: {money(v, currency)}
                </li>
              ))}
          </ul>
          <Suspense fallback={<p>Loading the chart…</p>}>
            <CostChart days={c.days} currency={currency} />
          </Suspense>
        </>
      )}
    </div>
  );
}

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
  const actions = useQuery({ queryKey: ["console", "recent"], queryFn: recentActions, refetchInterval: idleMs });
  const nameOf = (a: RecentAction) => (a.kind === "servers" ? servers.data?.find((s) => s.id === a.id)?.name : undefined);
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
        <Cost />
      </div>
      <h2>Recent actions</h2>
      <ErrorNote error={actions.error} />
      {actions.data && actions.data.length === 0 && <p>Nothing done in this project since the console started.</p>}
      <ul className="recent" aria-label="Recent actions">
        {(actions.data ?? []).slice(0, 10).map((a, i) => (
          <ActionLine key={`${a.at}-${i}`} a={a} name={nameOf(a)} />
        ))}
      </ul>
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
