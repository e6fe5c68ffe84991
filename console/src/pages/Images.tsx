// Images: upload from the browser (the file streams through the console to
// the image service, with progress), change visibility, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { CSRF_HEADER, errorMessage, ApiError, image, unwrap } from "../api/client";
import { imagesQuery, type ImageView } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { StatusBadge } from "../components/StatusBadge";
import { useSession } from "../session";
import { bytes } from "../format";

type Visibility = "public" | "private" | "shared" | "community";
const FORMATS = ["qcow2", "raw", "iso", "vmdk", "vdi", "vhd", "vhdx", "aki", "ari", "ami"];

/** PUTs `file` as the image's data, reporting progress (fetch cannot). */
export function uploadData(id: string, file: Blob, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/image/v2/images/${encodeURIComponent(id)}/file`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader(CSRF_HEADER, "1");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new ApiError(xhr.status, errorMessage(xhr.responseText, xhr.status)));
    xhr.onerror = () => reject(new ApiError(0, "The upload was interrupted."));
    xhr.send(file);
  });
}

export function Images() {
  const [params] = useSearchParams();
  const qc = useQueryClient();
  const { project, admin } = useSession();
  const images = useQuery(imagesQuery());
  const [uploading, setUploading] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: ["image"] });
  const setVisibility = useMutation({
    mutationFn: ({ id, visibility }: { id: string; visibility: Visibility }) =>
      unwrap(
        image.PATCH("/v2/images/{image_id}", {
          params: { path: { image_id: id } },
          body: [{ op: "replace", path: "/visibility", value: visibility }] as never,
          headers: { "Content-Type": "application/openstack-images-v2.1-json-patch" },
        }),
      ),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: (id: string) => unwrap(image.DELETE("/v2/images/{image_id}", { params: { path: { image_id: id } } })),
    onSuccess: refresh,
  });
  const mine = (i: ImageView) => admin || i.owner === project.id;
  const columns: Column<ImageView>[] = [
    { header: "Name", cell: (i) => i.name ?? i.id.slice(0, 8), sort: (i) => (i.name ?? "").toLowerCase() },
    { header: "Status", cell: (i) => <StatusBadge status={i.status} />, sort: (i) => i.status },
    { header: "Format", cell: (i) => i.disk_format ?? "—" },
    { header: "Size", cell: (i) => bytes(i.size), sort: (i) => i.size ?? 0 },
    {
      header: "Visibility",
      cell: (i) =>
        mine(i) ? (
          <select
            aria-label={`Visibility of ${i.name ?? i.id}`}
            value={i.visibility}
            onChange={(e) => setVisibility.mutate({ id: i.id, visibility: e.target.value as Visibility })}
          >
            {(admin ? ["public", "community", "shared", "private"] : ["community", "shared", "private"]).map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        ) : (
          i.visibility
        ),
    },
    {
      header: "Actions",
      cell: (i) =>
        mine(i) && (
          <button type="button" className="danger" onClick={() => del.mutate(i.id)} aria-label={`Delete image ${i.name ?? i.id}`}>
            Delete
          </button>
        ),
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Images</h1>
        <button type="button" className="primary" onClick={() => setUploading(true)}>
          Upload image
        </button>
      </div>
      <ErrorNote error={images.error ?? setVisibility.error ?? del.error} />
      <DataTable
        label="Images"
        initialQuery={params.get("q") ?? ""}
        rows={images.data ?? []}
        columns={columns}
        rowKey={(i) => i.id}
        search={(i) => `${i.name ?? ""} ${i.id} ${i.disk_format ?? ""}`}
        empty="No images yet."
      />
      {uploading && <Upload onClose={() => setUploading(false)} />}
    </section>
  );
}

function Upload({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [format, setFormat] = useState("qcow2");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [tried, setTried] = useState(false);
  const go = useMutation({
    mutationFn: async () => {
      const made = await unwrap(
        image.POST("/v2/images", {
          body: { name: name.trim(), disk_format: format, container_format: "bare", visibility: "private" } as never,
        }),
      );
      try {
        await uploadData(made.id, file!, setProgress);
      } catch (e) {
        // Nothing half-made: an image without its data goes.
        await image.DELETE("/v2/images/{image_id}", { params: { path: { image_id: made.id } } });
        throw e;
      }
      return made;
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ["image"] }),
    onSuccess: onClose,
  });
  const problems = { name: name.trim() ? null : "A name is required.", file: file ? null : "Choose a file." };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!problems.name && !problems.file) go.mutate();
  };
  return (
    <Modal title="Upload image" open onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field label="Image name" error={tried ? problems.name : null}>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Disk format" hint="The service checks the file is what it says">
          <select value={format} onChange={(e) => setFormat(e.target.value)}>
            {FORMATS.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </Field>
        <Field label="File" error={tried ? problems.file : null}>
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        {progress != null && (
          <div className="capacity">
            <div className="capacity-label">
              <span>Uploading</span>
              <span>{Math.round(progress * 100)}%</span>
            </div>
            <progress className="bar" max={1} value={progress} aria-label="Upload progress" />
          </div>
        )}
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={go.isPending}>
            {go.isPending ? "Uploading…" : "Upload"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
