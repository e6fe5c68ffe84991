// Flavors: create (public or private), which projects may use a private
// one, delete.
import { forgetDeleted } from "../../api/cache";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { compute, identity, unwrap } from "../../api/client";
import { flavorsQuery, type Flavor } from "../../api/queries";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNote } from "../../components/ErrorNote";
import { Field } from "../../components/Field";

export interface FlavorForm {
  name: string;
  vcpus: string;
  ram: string;
  disk: string;
  isPublic: boolean;
}

export function flavorProblems(f: FlavorForm): Partial<Record<keyof FlavorForm, string>> {
  const e: Partial<Record<keyof FlavorForm, string>> = {};
  const whole = (v: string, min: number) => /^\d+$/.test(v) && Number(v) >= min;
  if (!f.name.trim()) e.name = "A name is required.";
  if (!whole(f.vcpus, 1)) e.vcpus = "A whole number, at least 1.";
  if (!whole(f.ram, 1)) e.ram = "MiB, a whole number, at least 1.";
  if (!whole(f.disk, 0)) e.disk = "GB, a whole number (0: no root disk).";
  return e;
}

export function Flavors() {
  const qc = useQueryClient();
  const flavors = useQuery({ ...flavorsQuery(), queryFn: async () => (await unwrap(compute.GET("/v2.1/flavors/detail", { params: { query: { is_public: "None" } as never } }))).flavors });
  const [f, setF] = useState<FlavorForm>({ name: "", vcpus: "1", ram: "512", disk: "1", isPublic: true });
  const [tried, setTried] = useState(false);
  const [access, setAccess] = useState<Flavor | null>(null);
  const problems = flavorProblems(f);
  const refresh = () => qc.invalidateQueries({ queryKey: ["compute", "flavors"] });
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        compute.POST("/v2.1/flavors", {
          body: { flavor: { name: f.name.trim(), vcpus: Number(f.vcpus), ram: Number(f.ram), disk: Number(f.disk), "os-flavor-access:is_public": f.isPublic } },
        }),
      ),
    onSuccess: () => {
      setF({ ...f, name: "" });
      setTried(false);
      refresh();
    },
  });
  const del = useMutation({
    mutationFn: (id: string) => unwrap(compute.DELETE("/v2.1/flavors/{flavor_id}", { params: { path: { flavor_id: id } } })),
    // Its access list goes first: it is not read again, not even when the
    // delete's live announcement comes before the delete's answer.
    onMutate: (id) => {
      if (access?.id === id) setAccess(null);
    },
    onSuccess: (_, id) => {
      forgetDeleted(qc, ["compute", "flavors", id], ["compute", "flavors"]);
    },
  });
  const columns: Column<Flavor>[] = [
    { header: "Name", cell: (x) => x.name, sort: (x) => x.name.toLowerCase() },
    { header: "vCPUs", cell: (x) => x.vcpus, sort: (x) => x.vcpus },
    { header: "RAM (MiB)", cell: (x) => x.ram, sort: (x) => x.ram },
    { header: "Disk (GB)", cell: (x) => x.disk, sort: (x) => x.disk },
    { header: "Public", cell: (x) => (x["os-flavor-access:is_public"] ? "yes" : "no") },
    {
      header: "Actions",
      cell: (x) => (
        <span className="row-actions">
          {!x["os-flavor-access:is_public"] && (
            <button type="button" onClick={() => setAccess(x)} aria-label={`Access to ${x.name}`}>
              Access
            </button>
          )}
          <button type="button" className="danger" onClick={() => del.mutate(x.id)} aria-label={`Delete flavor ${x.name}`}>
            Delete
          </button>
        </span>
      ),
    },
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(problems).length === 0) create.mutate();
  };
  return (
    <section>
      <h1>Flavors</h1>
      <form className="inline-form" aria-label="Create flavor" onSubmit={submit} noValidate>
        <Field label="Flavor name" error={tried ? problems.name : null}>
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </Field>
        <Field label="vCPUs" error={tried ? problems.vcpus : null}>
          <input inputMode="numeric" value={f.vcpus} onChange={(e) => setF({ ...f, vcpus: e.target.value })} />
        </Field>
        <Field label="RAM (MiB)" error={tried ? problems.ram : null}>
          <input inputMode="numeric" value={f.ram} onChange={(e) => setF({ ...f, ram: e.target.value })} />
        </Field>
        <Field label="Disk (GB)" error={tried ? problems.disk : null}>
          <input inputMode="numeric" value={f.disk} onChange={(e) => setF({ ...f, disk: e.target.value })} />
        </Field>
        <label className="inline">
          <input type="checkbox" checked={f.isPublic} onChange={(e) => setF({ ...f, isPublic: e.target.checked })} /> Public
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create flavor
        </button>
        <ErrorNote error={create.error} />
      </form>
      <ErrorNote error={flavors.error ?? del.error} />
      <DataTable label="Flavors" rows={flavors.data ?? []} columns={columns} rowKey={(x) => x.id} search={(x) => `${x.name} ${x.id}`} />
      {access && <FlavorAccess flavor={access} />}
    </section>
  );
}

function FlavorAccess({ flavor }: { flavor: Flavor }) {
  const qc = useQueryClient();
  const key = ["compute", "flavors", flavor.id, "access"];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await unwrap(compute.GET("/v2.1/flavors/{flavor_id}/os-flavor-access", { params: { path: { flavor_id: flavor.id } } }))).flavor_access,
  });
  const projects = useQuery({ queryKey: ["identity", "projects"], queryFn: async () => (await unwrap(identity.GET("/v3/projects", {}))).projects });
  const [project, setProject] = useState("");
  const change = useMutation({
    mutationFn: ({ tenant, add }: { tenant: string; add: boolean }) =>
      unwrap(
        compute.POST("/v2.1/flavors/{flavor_id}/action", {
          params: { path: { flavor_id: flavor.id } },
          body: (add ? { addTenantAccess: { tenant } } : { removeTenantAccess: { tenant } }) as never,
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const name = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id;
  return (
    <article className="card" aria-label={`Access to ${flavor.name}`}>
      <h2>Projects that may use {flavor.name}</h2>
      <ul>
        {(list.data ?? []).map((a) => (
          <li key={a.tenant_id}>
            {name(a.tenant_id)}{" "}
            <button type="button" className="ghost danger" onClick={() => change.mutate({ tenant: a.tenant_id, add: false })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="inline-form">
        <Field label="Give access to">
          <select value={project} onChange={(e) => setProject(e.target.value)}>
            <option value="">Choose…</option>
            {(projects.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="button" disabled={!project} onClick={() => change.mutate({ tenant: project, add: true })}>
          Add
        </button>
      </div>
      <ErrorNote error={list.error ?? change.error} />
    </article>
  );
}
