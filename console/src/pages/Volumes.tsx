// Volumes and snapshots: create (empty, from an image or from a snapshot),
// extend, attach to and detach from an instance, snapshot, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { compute, unwrap, volume } from "../api/client";
import { imagesQuery, serversQuery, snapshotsQuery, volumesQuery, type SnapshotView, type VolumeView } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { StatusBadge } from "../components/StatusBadge";
import { useSession } from "../session";
import { ago } from "../format";

/** A whole number of GiB in [min, 16384], or why not. */
export function sizeProblem(text: string, min = 1): string | null {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n)) return "A whole number of GiB.";
  if (n < min) return `At least ${min} GiB.`;
  if (n > 16384) return "At most 16384 GiB.";
  return null;
}

export function Volumes() {
  const [params] = useSearchParams();
  const { project } = useSession();
  const volumes = useQuery(volumesQuery(project.id));
  const snapshots = useQuery(snapshotsQuery(project.id));
  const servers = useQuery(serversQuery());
  const [creating, setCreating] = useState<{ snapshot?: SnapshotView } | null>(null);
  const [acting, setActing] = useState<{ v: VolumeView; what: "extend" | "attach" | "snapshot" | "delete" } | null>(null);
  const serverName = (id?: string | null) => servers.data?.find((s) => s.id === id)?.name ?? id?.slice(0, 8) ?? "";
  const columns: Column<VolumeView>[] = [
    { header: "Name", cell: (v) => v.name || v.id.slice(0, 8), sort: (v) => (v.name ?? "").toLowerCase() },
    { header: "Size", cell: (v) => `${v.size} GiB`, sort: (v) => v.size },
    { header: "Status", cell: (v) => <StatusBadge status={v.status} />, sort: (v) => v.status },
    {
      header: "Attached to",
      cell: (v) =>
        v.attachments.length
          ? v.attachments.map((a) => (
              <Link key={a.attachment_id} to={`/instances/${a.server_id}`}>
                {serverName(a.server_id)} ({a.device})
              </Link>
            ))
          : "—",
    },
    { header: "Created", cell: (v) => ago(v.created_at), sort: (v) => v.created_at },
    {
      header: "Actions",
      cell: (v) => (
        <span className="row-actions">
          <button type="button" onClick={() => setActing({ v, what: "extend" })} aria-label={`Extend ${v.name || v.id}`}>
            Extend
          </button>
          {v.attachments.length ? (
            <DetachButton v={v} />
          ) : (
            <button type="button" onClick={() => setActing({ v, what: "attach" })} aria-label={`Attach ${v.name || v.id}`}>
              Attach
            </button>
          )}
          <button type="button" onClick={() => setActing({ v, what: "snapshot" })} aria-label={`Snapshot ${v.name || v.id}`}>
            Snapshot
          </button>
          <button type="button" className="danger" onClick={() => setActing({ v, what: "delete" })} aria-label={`Delete ${v.name || v.id}`}>
            Delete
          </button>
        </span>
      ),
    },
  ];
  const snapColumns: Column<SnapshotView>[] = [
    { header: "Name", cell: (s) => s.name || s.id.slice(0, 8), sort: (s) => (s.name ?? "").toLowerCase() },
    { header: "Size", cell: (s) => `${s.size} GiB` },
    { header: "Status", cell: (s) => <StatusBadge status={s.status} /> },
    { header: "Volume", cell: (s) => volumes.data?.find((v) => v.id === s.volume_id)?.name ?? s.volume_id.slice(0, 8) },
    {
      header: "Actions",
      cell: (s) => (
        <span className="row-actions">
          <button type="button" onClick={() => setCreating({ snapshot: s })} aria-label={`New volume from ${s.name || s.id}`}>
            New volume
          </button>
          <DeleteSnapshot s={s} />
        </span>
      ),
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Volumes</h1>
        <button type="button" className="primary" onClick={() => setCreating({})}>
          Create volume
        </button>
      </div>
      <ErrorNote error={volumes.error} />
      <DataTable
        label="Volumes"
        initialQuery={params.get("q") ?? ""}
        rows={volumes.data ?? []}
        columns={columns}
        rowKey={(v) => v.id}
        search={(v) => `${v.name} ${v.id} ${v.status}`}
        empty="No volumes yet."
      />
      <h2>Snapshots</h2>
      <ErrorNote error={snapshots.error} />
      <DataTable label="Snapshots" rows={snapshots.data ?? []} columns={snapColumns} rowKey={(s) => s.id} empty="No snapshots yet." />
      {creating && <CreateVolume from={creating.snapshot} onClose={() => setCreating(null)} />}
      {acting && <VolumeAction v={acting.v} what={acting.what} onClose={() => setActing(null)} />}
    </section>
  );
}

function useVolumeRefresh() {
  const qc = useQueryClient();
  return () => {
    qc.invalidateQueries({ queryKey: ["volume"] });
    qc.invalidateQueries({ queryKey: ["compute", "servers"] });
  };
}

function CreateVolume({ from, onClose }: { from?: SnapshotView; onClose: () => void }) {
  const { project } = useSession();
  const refresh = useVolumeRefresh();
  const images = useQuery(imagesQuery());
  const [name, setName] = useState(from ? `${from.name || "snapshot"}-volume` : "");
  const [size, setSize] = useState(String(from?.size ?? 1));
  const [imageRef, setImageRef] = useState("");
  const [tried, setTried] = useState(false);
  const problem = sizeProblem(size, from?.size ?? 1);
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        volume.POST("/v3/{project_id}/volumes", {
          params: { path: { project_id: project.id } },
          body: {
            volume: {
              name: name.trim() || null,
              size: Number(size),
              ...(from ? { snapshot_id: from.id } : {}),
              ...(imageRef ? { imageRef } : {}),
            },
          },
        }),
      ),
    onSuccess: () => {
      refresh();
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!problem) go.mutate();
  };
  return (
    <Modal title={from ? "Volume from snapshot" : "Create volume"} open onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field label="Volume name">
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Size (GiB)" error={tried ? problem : null}>
          <input inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} />
        </Field>
        {!from && (
          <Field label="Source image" hint="Empty: a blank volume">
            <select value={imageRef} onChange={(e) => setImageRef(e.target.value)}>
              <option value="">None</option>
              {(images.data ?? [])
                .filter((i) => i.status === "active")
                .map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.name ?? i.id}
                  </option>
                ))}
            </select>
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

function VolumeAction({ v, what, onClose }: { v: VolumeView; what: "extend" | "attach" | "snapshot" | "delete"; onClose: () => void }) {
  const { project } = useSession();
  const refresh = useVolumeRefresh();
  const servers = useQuery(serversQuery());
  const [size, setSize] = useState(String(v.size + 1));
  const [server, setServer] = useState("");
  const [snapName, setSnapName] = useState(`${v.name || "volume"}-snap`);
  const path = { project_id: project.id, volume_id: v.id };
  const go = useMutation({
    mutationFn: async () => {
      if (what === "extend")
        return unwrap(volume.POST("/v3/{project_id}/volumes/{volume_id}/action", { params: { path }, body: { "os-extend": { new_size: Number(size) } } }));
      if (what === "attach")
        return unwrap(
          compute.POST("/v2.1/servers/{server_id}/os-volume_attachments", {
            params: { path: { server_id: server } },
            body: { volumeAttachment: { volumeId: v.id } },
          }),
        );
      if (what === "snapshot")
        return unwrap(
          volume.POST("/v3/{project_id}/snapshots", {
            params: { path: { project_id: project.id } },
            body: { snapshot: { volume_id: v.id, name: snapName, force: v.attachments.length > 0 } },
          }),
        );
      return unwrap(volume.DELETE("/v3/{project_id}/volumes/{volume_id}", { params: { path } }));
    },
    onSuccess: () => {
      refresh();
      onClose();
    },
  });
  const titles = { extend: "Extend volume", attach: "Attach volume", snapshot: "Snapshot volume", delete: "Delete volume" };
  const problem = what === "extend" ? sizeProblem(size, v.size + 1) : what === "attach" && !server ? "Choose an instance." : null;
  return (
    <Modal title={titles[what]} open onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem) go.mutate();
        }}
      >
        {what === "extend" && (
          <Field label="New size (GiB)" error={problem}>
            <input inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} />
          </Field>
        )}
        {what === "attach" && (
          <Field label="Instance">
            <select value={server} onChange={(e) => setServer(e.target.value)}>
              <option value="">Choose…</option>
              {(servers.data ?? [])
                .filter((s) => s.status === "ACTIVE" || s.status === "SHUTOFF")
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </select>
          </Field>
        )}
        {what === "snapshot" && (
          <Field label="Snapshot name">
            <input value={snapName} onChange={(e) => setSnapName(e.target.value)} />
          </Field>
        )}
        {what === "delete" && <p>Delete {v.name || v.id} and its data? This cannot be undone.</p>}
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <button type="submit" className={what === "delete" ? "danger" : "primary"} disabled={go.isPending || !!problem}>
            {titles[what].split(" ")[0]}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function DetachButton({ v }: { v: VolumeView }) {
  const refresh = useVolumeRefresh();
  const a = v.attachments[0];
  const go = useMutation({
    mutationFn: () =>
      unwrap(
        compute.DELETE("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", {
          params: { path: { server_id: a.server_id ?? "", volume_id: v.id } },
        }),
      ),
    onSuccess: refresh,
  });
  return (
    <>
      <button type="button" disabled={go.isPending} onClick={() => go.mutate()} aria-label={`Detach ${v.name || v.id}`}>
        Detach
      </button>
      <ErrorNote error={go.error} />
    </>
  );
}

function DeleteSnapshot({ s }: { s: SnapshotView }) {
  const { project } = useSession();
  const refresh = useVolumeRefresh();
  const go = useMutation({
    mutationFn: () =>
      unwrap(volume.DELETE("/v3/{project_id}/snapshots/{snapshot_id}", { params: { path: { project_id: project.id, snapshot_id: s.id } } })),
    onSuccess: refresh,
  });
  return (
    <>
      <button type="button" className="danger" disabled={go.isPending} onClick={() => go.mutate()} aria-label={`Delete snapshot ${s.name || s.id}`}>
        Delete
      </button>
      <ErrorNote error={go.error} />
    </>
  );
}
