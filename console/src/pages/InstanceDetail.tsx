// One instance: overview, interfaces (with their floating IPs, associated
// and disassociated here), volumes, the console log (followed while open),
// the action log, and its actions.
import { forgetDeleted } from "../api/cache";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { compute, network, unwrap } from "../api/client";
import { flavorsQuery, floatingIpsQuery, networksQuery, serverQuery, volumesQuery, type Server } from "../api/queries";
import { Field } from "../components/Field";
import { useSession } from "../session";
import { ErrorNote } from "../components/ErrorNote";
import { Modal } from "../components/Modal";
import { StatusBadge, isTransitional } from "../components/StatusBadge";
import { ago } from "../format";

type Tab = "overview" | "interfaces" | "volumes" | "console" | "actions";

export function InstanceDetail() {
  const { id = "" } = useParams();
  const server = useQuery(serverQuery(id));
  const [tab, setTab] = useState<Tab>("overview");
  if (server.isPending) return <p className="loading">Loading…</p>;
  if (server.isError) return <ErrorNote error={server.error} />;
  const s = server.data;
  const tabs: [Tab, string][] = [
    ["overview", "Overview"],
    ["interfaces", "Interfaces"],
    ["volumes", "Volumes"],
    ["console", "Console log"],
    ["actions", "Action log"],
  ];
  return (
    <section>
      <p className="crumbs">
        <Link to="/instances">Instances</Link> /
      </p>
      <div className="page-head">
        <h1>{s.name}</h1>
        <StatusBadge status={s.status} taskState={s["OS-EXT-STS:task_state"]} />
      </div>
      <Actions server={s} />
      <div role="tablist" className="tabs" aria-label="Instance">
        {tabs.map(([t, label]) => (
          <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tabs.find(([t]) => t === tab)?.[1]}>
        {tab === "overview" && <Overview server={s} />}
        {tab === "interfaces" && <Interfaces server={s} />}
        {tab === "volumes" && <Volumes server={s} />}
        {tab === "console" && <ConsoleLog server={s} />}
        {tab === "actions" && <ActionLog server={s} />}
      </div>
    </section>
  );
}

function Overview({ server: s }: { server: Server }) {
  const flavors = useQuery(flavorsQuery());
  const flavor = flavors.data?.find((f) => f.id === s.flavor.id);
  const image = typeof s.image === "object" && s.image ? (s.image as { id?: string }).id : "";
  return (
    <dl className="facts">
      <dt>ID</dt>
      <dd>
        <code>{s.id}</code>
      </dd>
      <dt>Status</dt>
      <dd>
        {s.status} {s["OS-EXT-STS:task_state"] ? `(${s["OS-EXT-STS:task_state"]})` : ""}
      </dd>
      <dt>Flavor</dt>
      <dd>{flavor ? `${flavor.name} (${flavor.vcpus} vCPU, ${flavor.ram} MiB, ${flavor.disk} GB)` : s.flavor.id}</dd>
      <dt>Image</dt>
      <dd>{image ? <code>{image}</code> : "booted from volume"}</dd>
      <dt>Key pair</dt>
      <dd>{s.key_name ?? "—"}</dd>
      <dt>Security groups</dt>
      <dd>{s.security_groups.map((g) => g.name).join(", ") || "—"}</dd>
      <dt>Zone</dt>
      <dd>{s["OS-EXT-AZ:availability_zone"]}</dd>
      <dt>Created</dt>
      <dd>{ago(s.created)}</dd>
      {s.fault && (
        <>
          <dt>Fault</dt>
          <dd role="alert">{s.fault.message}</dd>
        </>
      )}
    </dl>
  );
}

function Interfaces({ server: s }: { server: Server }) {
  const networks = useQuery(networksQuery());
  const ifaces = useQuery({
    queryKey: ["compute", "servers", "one", s.id, "interfaces"],
    queryFn: async () =>
      (await unwrap(compute.GET("/v2.1/servers/{server_id}/os-interface", { params: { path: { server_id: s.id } } }))).interfaceAttachments,
  });
  return (
    <>
      <ErrorNote error={ifaces.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Port</th>
            <th scope="col">Network</th>
            <th scope="col">Addresses</th>
            <th scope="col">MAC</th>
            <th scope="col">State</th>
            <th scope="col">Floating IP</th>
          </tr>
        </thead>
        <tbody>
          {(ifaces.data ?? []).map((i) => (
            <tr key={i.port_id}>
              <td>
                <code>{i.port_id.slice(0, 8)}</code>
              </td>
              <td>
                <Link to={`/networks/${i.net_id}`}>{networks.data?.find((n) => n.id === i.net_id)?.name || i.net_id.slice(0, 8)}</Link>
              </td>
              <td>{i.fixed_ips.map((f) => f.ip_address).join(", ")}</td>
              <td>
                <code>{i.mac_addr}</code>
              </td>
              <td>{i.port_state}</td>
              <td>
                <FloatingIpOf portId={i.port_id} serverId={s.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A port's floating IP, disassociated here; or one associated with it
 * (a free one of the project's, or a new one from an external network). */
function FloatingIpOf({ portId, serverId }: { portId: string; serverId: string }) {
  const qc = useQueryClient();
  const fips = useQuery(floatingIpsQuery());
  const networks = useQuery(networksQuery());
  const [open, setOpen] = useState(false);
  const [pick, setPick] = useState("");
  const mine = fips.data?.find((f) => f.port_id === portId);
  const free = (fips.data ?? []).filter((f) => !f.port_id);
  const external = (networks.data ?? []).filter((n) => n["router:external"]);
  const done = () => {
    qc.invalidateQueries({ queryKey: ["network"] });
    qc.invalidateQueries({ queryKey: ["compute", "servers", "one", serverId] });
  };
  const set = useMutation({
    mutationFn: ({ id, port }: { id: string; port: string | null }) =>
      unwrap(network.PUT("/v2.0/floatingips/{floatingip_id}", { params: { path: { floatingip_id: id } }, body: { floatingip: { port_id: port } } })),
    onSuccess: () => {
      setOpen(false);
      setPick("");
      done();
    },
  });
  const allocate = useMutation({
    mutationFn: (pool: string) =>
      unwrap(network.POST("/v2.0/floatingips", { body: { floatingip: { floating_network_id: pool, port_id: portId } } })),
    onSuccess: () => {
      setOpen(false);
      setPick("");
      done();
    },
  });
  if (mine) {
    return (
      <>
        {mine.floating_ip_address}{" "}
        <button type="button" className="ghost" disabled={set.isPending} onClick={() => set.mutate({ id: mine.id, port: null })} aria-label={`Disassociate ${mine.floating_ip_address}`}>
          Disassociate
        </button>
        <ErrorNote error={set.error} />
      </>
    );
  }
  return (
    <>
      <button type="button" className="ghost" onClick={() => setOpen(true)} aria-label={`Associate a floating IP with port ${portId.slice(0, 8)}`}>
        Associate…
      </button>
      <Modal title="Associate a floating IP" open={open} onClose={() => setOpen(false)}>
        <Field label="Floating IP" hint="A free one of the project's, or a new one from an external network.">
          <select value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Choose…</option>
            {free.map((f) => (
              <option key={f.id} value={`fip:${f.id}`}>
                {f.floating_ip_address}
              </option>
            ))}
            {external.map((n) => (
              <option key={n.id} value={`pool:${n.id}`}>
                New from {n.name}
              </option>
            ))}
          </select>
        </Field>
        <ErrorNote error={set.error ?? allocate.error} />
        <div className="form-actions">
          <button
            type="button"
            className="primary"
            disabled={!pick || set.isPending || allocate.isPending}
            onClick={() => (pick.startsWith("fip:") ? set.mutate({ id: pick.slice(4), port: portId }) : allocate.mutate(pick.slice(5)))}
          >
            Associate
          </button>
        </div>
      </Modal>
    </>
  );
}

function Volumes({ server: s }: { server: Server }) {
  const qc = useQueryClient();
  const { project } = useSession();
  const volumes = useQuery(volumesQuery(project.id));
  const [pick, setPick] = useState("");
  const attached = s["os-extended-volumes:volumes_attached"];
  // Attaching and detaching finish on the host after the answer: until the
  // server shows the change, read it (and the volumes) every second.
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  const shown = attached.map((v) => v.id).sort().join(",");
  useEffect(() => {
    if (waitingFor !== null && shown !== waitingFor) setWaitingFor(null);
  }, [shown, waitingFor]);
  useQuery({ ...serverQuery(s.id), refetchInterval: waitingFor !== null ? 1_000 : false });
  useQuery({ ...volumesQuery(project.id), refetchInterval: waitingFor !== null ? 1_000 : false });
  const refresh = () => {
    setWaitingFor(shown);
    qc.invalidateQueries({ queryKey: ["compute", "servers"] });
    qc.invalidateQueries({ queryKey: ["volume"] });
  };
  const attach = useMutation({
    mutationFn: () =>
      unwrap(
        compute.POST("/v2.1/servers/{server_id}/os-volume_attachments", {
          params: { path: { server_id: s.id } },
          body: { volumeAttachment: { volumeId: pick } },
        }),
      ),
    onSuccess: () => {
      setPick("");
      refresh();
    },
  });
  const detach = useMutation({
    mutationFn: (volume_id: string) =>
      unwrap(compute.DELETE("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", { params: { path: { server_id: s.id, volume_id } } })),
    onSuccess: refresh,
  });
  const name = (id: string) => volumes.data?.find((v) => v.id === id)?.name || id;
  const free = (volumes.data ?? []).filter((v) => v.status === "available");
  return (
    <>
      {attached.length === 0 && <p>No volumes attached.</p>}
      <ul>
        {attached.map((v) => {
          const status = volumes.data?.find((x) => x.id === v.id)?.status;
          return (
            <li key={v.id}>
              {name(v.id)} <code>{v.id}</code> ({status ?? "…"}){" "}
              <button
                type="button"
                className="ghost danger"
                disabled={status === "detaching" || (detach.isPending && detach.variables === v.id)}
                onClick={() => detach.mutate(v.id)}
                aria-label={`Detach ${name(v.id)}`}
              >
                Detach
              </button>
            </li>
          );
        })}
      </ul>
      <div className="inline-form">
        <Field label="Attach a volume">
          <select value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Choose…</option>
            {free.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name || v.id} ({v.size} GiB)
              </option>
            ))}
          </select>
        </Field>
        <button type="button" disabled={!pick || attach.isPending} onClick={() => attach.mutate()}>
          Attach
        </button>
      </div>
      <ErrorNote error={attach.error ?? detach.error} />
    </>
  );
}

function ConsoleLog({ server: s }: { server: Server }) {
  const [follow, setFollow] = useState(true);
  const log = useQuery({
    queryKey: ["compute", "servers", "one", s.id, "console"],
    queryFn: async () =>
      (
        await unwrap(
          compute.POST("/v2.1/servers/{server_id}/action", {
            params: { path: { server_id: s.id } },
            body: { "os-getConsoleOutput": { length: 500 } },
          }),
        )
      ) as { output: string },
    refetchInterval: follow ? 2_000 : false,
  });
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data, follow]);
  return (
    <>
      <label className="inline">
        <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
      </label>
      <ErrorNote error={log.error} />
      <pre ref={pre} className="console-log" aria-label="Console output" tabIndex={0}>
        {log.data?.output ?? ""}
      </pre>
    </>
  );
}

function ActionLog({ server: s }: { server: Server }) {
  const actions = useQuery({
    queryKey: ["compute", "servers", "one", s.id, "actions"],
    queryFn: async () =>
      (await unwrap(compute.GET("/v2.1/servers/{server_id}/os-instance-actions", { params: { path: { server_id: s.id } } })))
        .instanceActions,
  });
  return (
    <>
      <ErrorNote error={actions.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Started</th>
            <th scope="col">Request</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {(actions.data ?? []).map((a) => (
            <tr key={a.request_id}>
              <td>{a.action}</td>
              <td>{ago(a.start_time)}</td>
              <td>
                <code>{a.request_id}</code>
              </td>
              <td>{a.message ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

type ActionBody =
  | { "os-start": null }
  | { "os-stop": null }
  | { reboot: { type: string } }
  | { confirmResize: null }
  | { revertResize: null }
  | { resize: { flavorRef: string } }
  | { createImage: { name: string } };

function Actions({ server: s }: { server: Server }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [resizing, setResizing] = useState(false);
  const [snapshotting, setSnapshotting] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: ["compute", "servers"] });
  const act = useMutation({
    mutationFn: (body: ActionBody) =>
      unwrap(compute.POST("/v2.1/servers/{server_id}/action", { params: { path: { server_id: s.id } }, body: body as never })),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: () => unwrap(compute.DELETE("/v2.1/servers/{server_id}", { params: { path: { server_id: s.id } } })),
    onSuccess: () => {
      forgetDeleted(qc, ["compute", "servers", "one", s.id], ["compute", "servers"], () => navigate("/instances"));
    },
  });
  const busy = isTransitional(s.status, s["OS-EXT-STS:task_state"]) || act.isPending;
  return (
    <div className="actions">
      {s.status === "SHUTOFF" && (
        <button type="button" disabled={busy} onClick={() => act.mutate({ "os-start": null })}>
          Start
        </button>
      )}
      {s.status === "ACTIVE" && (
        <>
          <button type="button" disabled={busy} onClick={() => act.mutate({ "os-stop": null })}>
            Stop
          </button>
          <button type="button" disabled={busy} onClick={() => act.mutate({ reboot: { type: "SOFT" } })}>
            Reboot
          </button>
        </>
      )}
      {s.status === "VERIFY_RESIZE" ? (
        <>
          <button type="button" className="primary" disabled={act.isPending} onClick={() => act.mutate({ confirmResize: null })}>
            Confirm resize
          </button>
          <button type="button" disabled={act.isPending} onClick={() => act.mutate({ revertResize: null })}>
            Revert resize
          </button>
        </>
      ) : (
        <button type="button" disabled={busy} onClick={() => setResizing(true)}>
          Resize
        </button>
      )}
      <button type="button" disabled={busy} onClick={() => setSnapshotting(true)}>
        Snapshot
      </button>
      <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
        Delete
      </button>
      <ErrorNote error={act.error} />
      <Modal title={`Delete ${s.name}?`} open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>The instance and its local disk are destroyed. Attached volumes are kept.</p>
        <ErrorNote error={del.error} />
        <div className="form-actions">
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={del.isPending} onClick={() => del.mutate()}>
            Delete instance
          </button>
        </div>
      </Modal>
      <ResizeDialog server={s} open={resizing} onClose={() => setResizing(false)} />
      <SnapshotDialog server={s} open={snapshotting} onClose={() => setSnapshotting(false)} />
    </div>
  );
}

function ResizeDialog({ server: s, open, onClose }: { server: Server; open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const flavors = useQuery(flavorsQuery());
  const [flavor, setFlavor] = useState("");
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        compute.POST("/v2.1/servers/{server_id}/action", {
          params: { path: { server_id: s.id } },
          body: { resize: { flavorRef: flavor } } as never,
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["compute", "servers"] });
      onClose();
    },
  });
  return (
    <Modal title="Resize" open={open} onClose={onClose}>
      <label>
        New flavor{" "}
        <select value={flavor} onChange={(e) => setFlavor(e.target.value)}>
          <option value="">Choose…</option>
          {(flavors.data ?? [])
            .filter((f) => f.id !== s.flavor.id)
            .map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} ({f.vcpus} vCPU, {f.ram} MiB)
              </option>
            ))}
        </select>
      </label>
      <ErrorNote error={go.error} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={!flavor || go.isPending} onClick={() => go.mutate()}>
          Resize
        </button>
      </div>
    </Modal>
  );
}

function SnapshotDialog({ server: s, open, onClose }: { server: Server; open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState(`${s.name}-snapshot`);
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        compute.POST("/v2.1/servers/{server_id}/action", {
          params: { path: { server_id: s.id } },
          body: { createImage: { name } } as never,
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["image"] });
      onClose();
    },
  });
  return (
    <Modal title="Snapshot to an image" open={open} onClose={onClose}>
      <label>
        Image name <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ErrorNote error={go.error} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={!name || go.isPending} onClick={() => go.mutate()}>
          Create snapshot
        </button>
      </div>
    </Modal>
  );
}
