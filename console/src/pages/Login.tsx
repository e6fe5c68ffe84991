// The login form: user, password, optionally domain and project.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { login } from "../api/session";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";

export function Login() {
  const qc = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [domain, setDomain] = useState("");
  const [project, setProject] = useState("");
  const go = useMutation({
    mutationFn: () => login(username, password, domain || undefined, project || undefined),
    onSuccess: (s) => qc.setQueryData(["session"], s),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go.mutate();
  };
  return (
    <main className="login">
      <form onSubmit={submit} className="card" aria-label="Log in">
        <h1>Stratus</h1>
        <Field label="User name">
          <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </Field>
        <Field label="Password">
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
        <details>
          <summary>Domain and project</summary>
          <Field label="Domain" hint="Default unless your operator says otherwise">
            <input value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="Default" />
          </Field>
          <Field label="Project" hint="Your first project if empty">
            <input value={project} onChange={(e) => setProject(e.target.value)} />
          </Field>
        </details>
        <ErrorNote error={go.error} />
        <button type="submit" className="primary" disabled={go.isPending}>
          {go.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
