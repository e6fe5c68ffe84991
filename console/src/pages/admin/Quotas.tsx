// Quotas per project: compute, network and volume limits side by side,
// edited in place (-1 is unlimited) and saved per service.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { compute, identity, network, unwrap, volume } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Field } from "../../components/Field";
import { useSession } from "../../session";

const FIELDS = {
  compute: ["instances", "cores", "ram", "key_pairs", "server_groups", "metadata_items"],
  network: ["network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule"],
  volume: ["volumes", "gigabytes", "snapshots"],
} as const;
type Service = keyof typeof FIELDS;

/** The changed limits as numbers, or the first field that is not one. */
export function quotaChanges(before: Record<string, number>, edited: Record<string, string>): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(edited)) {
    if (!/^-?\d+$/.test(v.trim()) || Number(v) < -1) return `${k}: a whole number, or -1 for no limit.`;
    if (Number(v) !== before[k]) out[k] = Number(v);
  }
  return out;
}

export function Quotas() {
  const session = useSession();
  const projects = useQuery({ queryKey: ["identity", "projects"], queryFn: async () => (await unwrap(identity.GET("/v3/projects", {}))).projects });
  const [project, setProject] = useState(session.project.id);
  return (
    <section>
      <h1>Quotas</h1>
      <Field label="Project">
        <select value={project} onChange={(e) => setProject(e.target.value)}>
          {(projects.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <div className="cards">
        {(Object.keys(FIELDS) as Service[]).map((s) => (
          <QuotaCard key={`${s}-${project}`} service={s} project={project} adminProject={session.project.id} />
        ))}
      </div>
    </section>
  );
}

function QuotaCard({ service, project, adminProject }: { service: Service; project: string; adminProject: string }) {
  const qc = useQueryClient();
  const key = [service, "quota-set", project];
  const current = useQuery({
    queryKey: key,
    queryFn: async (): Promise<Record<string, number>> => {
      if (service === "compute")
        return (await unwrap(compute.GET("/v2.1/os-quota-sets/{project_id}", { params: { path: { project_id: project } } }))).quota_set as Record<string, number>;
      if (service === "network")
        return (await unwrap(network.GET("/v2.0/quotas/{project_id}", { params: { path: { project_id: project } } }))).quota as Record<string, number>;
      return (await unwrap(
        volume.GET("/v3/{project_id}/os-quota-sets/{target}", { params: { path: { project_id: adminProject, target: project } } }),
      )).quota_set as Record<string, number>;
    },
  });
  const [edited, setEdited] = useState<Record<string, string>>({});
  useEffect(() => {
    if (current.data) setEdited(Object.fromEntries(FIELDS[service].map((k) => [k, String(current.data[k] ?? "")])));
  }, [current.data, service]);
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (changes: Record<string, number>) => {
      if (service === "compute")
        return unwrap(compute.PUT("/v2.1/os-quota-sets/{project_id}", { params: { path: { project_id: project } }, body: { quota_set: changes } }));
      if (service === "network")
        return unwrap(network.PUT("/v2.0/quotas/{project_id}", { params: { path: { project_id: project } }, body: { quota: changes } }));
      return unwrap(
        volume.PUT("/v3/{project_id}/os-quota-sets/{target}", {
          params: { path: { project_id: adminProject, target: project } },
          body: { quota_set: changes },
        }),
      );
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  return (
    <form
      className="card"
      aria-label={`${service} quota`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const changes = quotaChanges(current.data ?? {}, edited);
        if (typeof changes === "string") return setProblem(changes);
        setProblem(null);
        if (Object.keys(changes).length) save.mutate(changes);
      }}
    >
      <h2>{service[0].toUpperCase() + service.slice(1)}</h2>
      <ErrorNote error={current.error} />
      {FIELDS[service].map((k) => (
        <Field key={k} label={k.replace(/_/g, " ")}>
          <input inputMode="numeric" value={edited[k] ?? ""} onChange={(e) => setEdited({ ...edited, [k]: e.target.value })} />
        </Field>
      ))}
      <ErrorNote error={problem ?? save.error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending || !current.data}>
          Save {service} quota
        </button>
      </div>
    </form>
  );
}
