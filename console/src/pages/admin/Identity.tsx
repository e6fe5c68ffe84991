// Identity administration: projects, users, groups and role assignments.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { identity, unwrap, type Identity } from "../../api/client";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNote } from "../../components/ErrorNote";
import { Field } from "../../components/Field";

type Project = Identity["schemas"]["Project"];
type User = Identity["schemas"]["User"];
type Group = Identity["schemas"]["Group"];
type Assignment = Identity["schemas"]["RoleAssignment"];

const projectsQuery = { queryKey: ["identity", "projects"], queryFn: async () => (await unwrap(identity.GET("/v3/projects", {}))).projects };
const usersQuery = { queryKey: ["identity", "users"], queryFn: async () => (await unwrap(identity.GET("/v3/users", {}))).users };
const rolesQuery = { queryKey: ["identity", "roles"], queryFn: async () => (await unwrap(identity.GET("/v3/roles", {}))).roles };

function useRefresh() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ["identity"] });
}

export function Projects() {
  const refresh = useRefresh();
  const projects = useQuery(projectsQuery);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(identity.POST("/v3/projects", { body: { project: { name: name.trim(), description, domain_id: "default" } } })),
    onSuccess: () => {
      setName("");
      setDescription("");
      refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (p: Project) =>
      unwrap(identity.PATCH("/v3/projects/{project_id}", { params: { path: { project_id: p.id } }, body: { project: { enabled: !p.enabled } } })),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: (id: string) => unwrap(identity.DELETE("/v3/projects/{project_id}", { params: { path: { project_id: id } } })),
    onSuccess: refresh,
  });
  const columns: Column<Project>[] = [
    { header: "Name", cell: (p) => p.name, sort: (p) => p.name.toLowerCase() },
    { header: "ID", cell: (p) => <code>{p.id}</code> },
    { header: "Description", cell: (p) => p.description || "—" },
    { header: "Enabled", cell: (p) => (p.enabled ? "yes" : "no") },
    {
      header: "Actions",
      cell: (p) => (
        <span className="row-actions">
          <button type="button" onClick={() => toggle.mutate(p)} aria-label={`${p.enabled ? "Disable" : "Enable"} project ${p.name}`}>
            {p.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className="danger" onClick={() => del.mutate(p.id)} aria-label={`Delete project ${p.name}`}>
            Delete
          </button>
        </span>
      ),
    },
  ];
  return (
    <section>
      <h1>Projects</h1>
      <form
        className="inline-form"
        aria-label="Create project"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Field label="Project name">
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description">
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>
          Create project
        </button>
        <ErrorNote error={create.error} />
      </form>
      <ErrorNote error={projects.error ?? toggle.error ?? del.error} />
      <DataTable label="Projects" rows={projects.data ?? []} columns={columns} rowKey={(p) => p.id} search={(p) => `${p.name} ${p.id}`} />
    </section>
  );
}

export function Users() {
  const refresh = useRefresh();
  const users = useQuery(usersQuery);
  const projects = useQuery(projectsQuery);
  const [f, setF] = useState({ name: "", password: "", project: "" });
  const [tried, setTried] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        identity.POST("/v3/users", {
          body: { user: { name: f.name.trim(), password: f.password, domain_id: "default", ...(f.project ? { default_project_id: f.project } : {}) } },
        }),
      ),
    onSuccess: () => {
      setF({ name: "", password: "", project: "" });
      setTried(false);
      refresh();
    },
  });
  const del = useMutation({
    mutationFn: (id: string) => unwrap(identity.DELETE("/v3/users/{user_id}", { params: { path: { user_id: id } } })),
    onSuccess: refresh,
  });
  const projectName = (id?: string | null) => projects.data?.find((p) => p.id === id)?.name ?? "—";
  const columns: Column<User>[] = [
    { header: "Name", cell: (u) => u.name, sort: (u) => u.name.toLowerCase() },
    { header: "ID", cell: (u) => <code>{u.id}</code> },
    { header: "Default project", cell: (u) => projectName(u.default_project_id) },
    { header: "Enabled", cell: (u) => (u.enabled ? "yes" : "no") },
    {
      header: "Actions",
      cell: (u) => (
        <button type="button" className="danger" onClick={() => del.mutate(u.id)} aria-label={`Delete user ${u.name}`}>
          Delete
        </button>
      ),
    },
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (f.name.trim() && f.password.length >= 8) create.mutate();
  };
  return (
    <section>
      <h1>Users</h1>
      <form className="inline-form" aria-label="Create user" onSubmit={submit} noValidate>
        <Field label="User name" error={tried && !f.name.trim() ? "A name is required." : null}>
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </Field>
        <Field label="Password" error={tried && f.password.length < 8 ? "At least 8 characters." : null}>
          <input type="password" autoComplete="new-password" value={f.password} onChange={(e) => setF({ ...f, password: e.target.value })} />
        </Field>
        <Field label="Default project">
          <select value={f.project} onChange={(e) => setF({ ...f, project: e.target.value })}>
            <option value="">None</option>
            {(projects.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
        <ErrorNote error={create.error} />
      </form>
      <ErrorNote error={users.error ?? del.error} />
      <DataTable label="Users" rows={users.data ?? []} columns={columns} rowKey={(u) => u.id} search={(u) => `${u.name} ${u.id}`} />
    </section>
  );
}

export function Groups() {
  const refresh = useRefresh();
  const groups = useQuery({ queryKey: ["identity", "groups"], queryFn: async () => (await unwrap(identity.GET("/v3/groups", {}))).groups });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap(identity.POST("/v3/groups", { body: { group: { name: name.trim(), domain_id: "default" } } })),
    onSuccess: () => {
      setName("");
      refresh();
    },
  });
  const del = useMutation({
    mutationFn: (id: string) => unwrap(identity.DELETE("/v3/groups/{group_id}", { params: { path: { group_id: id } } })),
    onSuccess: refresh,
  });
  const columns: Column<Group>[] = [
    { header: "Name", cell: (g) => g.name, sort: (g) => g.name.toLowerCase() },
    { header: "ID", cell: (g) => <code>{g.id}</code> },
    { header: "Description", cell: (g) => g.description || "—" },
    {
      header: "Actions",
      cell: (g) => (
        <button type="button" className="danger" onClick={() => del.mutate(g.id)} aria-label={`Delete group ${g.name}`}>
          Delete
        </button>
      ),
    },
  ];
  return (
    <section>
      <h1>Groups</h1>
      <form
        className="inline-form"
        aria-label="Create group"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Field label="Group name">
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>
          Create group
        </button>
        <ErrorNote error={create.error} />
      </form>
      <ErrorNote error={groups.error ?? del.error} />
      <DataTable label="Groups" rows={groups.data ?? []} columns={columns} rowKey={(g) => g.id} search={(g) => g.name} />
    </section>
  );
}

export function RoleAssignments() {
  const refresh = useRefresh();
  const assignments = useQuery({
    queryKey: ["identity", "role_assignments"],
    queryFn: async () =>
      (await unwrap(identity.GET("/v3/role_assignments", { params: { query: { include_names: "true" } as never } }))).role_assignments,
  });
  const users = useQuery(usersQuery);
  const projects = useQuery(projectsQuery);
  const roles = useQuery(rolesQuery);
  const [f, setF] = useState({ user: "", project: "", role: "" });
  const path = (a: { user: string; project: string; role: string }) => ({ project_id: a.project, user_id: a.user, role_id: a.role });
  const grant = useMutation({
    mutationFn: () => unwrap(identity.PUT("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", { params: { path: path(f) } })),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: (a: { user: string; project: string; role: string }) =>
      unwrap(identity.DELETE("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", { params: { path: path(a) } })),
    onSuccess: refresh,
  });
  const columns: Column<Assignment>[] = [
    { header: "User or group", cell: (a) => a.user?.name ?? a.group?.name ?? a.user?.id ?? a.group?.id ?? "—", sort: (a) => a.user?.name ?? "" },
    { header: "Role", cell: (a) => a.role.name ?? a.role.id, sort: (a) => a.role.name ?? "" },
    { header: "Scope", cell: (a) => Object.entries(a.scope).map(([k, v]) => `${k} ${v.name ?? v.id}`).join(", ") },
    {
      header: "Actions",
      cell: (a) =>
        a.user?.id && a.scope.project?.id ? (
          <button
            type="button"
            className="danger"
            onClick={() => revoke.mutate({ user: a.user!.id!, project: a.scope.project!.id!, role: a.role.id! })}
            aria-label={`Revoke ${a.role.name} from ${a.user.name} on ${a.scope.project.name}`}
          >
            Revoke
          </button>
        ) : null,
    },
  ];
  return (
    <section>
      <h1>Role assignments</h1>
      <form
        className="inline-form"
        aria-label="Grant a role"
        onSubmit={(e) => {
          e.preventDefault();
          if (f.user && f.project && f.role) grant.mutate();
        }}
      >
        {(
          [
            ["user", "User", users.data],
            ["project", "Project", projects.data],
            ["role", "Role", roles.data],
          ] as const
        ).map(([k, label, list]) => (
          <Field key={k} label={label}>
            <select value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })}>
              <option value="">Choose…</option>
              {(list ?? []).map((x: { id: string; name: string }) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
        ))}
        <button type="submit" className="primary" disabled={!f.user || !f.project || !f.role || grant.isPending}>
          Grant
        </button>
        <ErrorNote error={grant.error} />
      </form>
      <ErrorNote error={assignments.error ?? revoke.error} />
      <DataTable
        label="Role assignments"
        rows={assignments.data ?? []}
        columns={columns}
        rowKey={(a) => `${a.user?.id ?? a.group?.id}-${a.role.id}-${JSON.stringify(a.scope)}`}
        search={(a) => `${a.user?.name ?? ""} ${a.group?.name ?? ""} ${a.role.name ?? ""} ${Object.values(a.scope).map((v) => v.name).join(" ")}`}
      />
    </section>
  );
}
