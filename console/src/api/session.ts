// The console's own endpoints: login, the session, the project switcher
// and logout. The token never reaches this code: it lives in an HttpOnly
// cookie the console sets.
import { ApiError, CSRF_HEADER, errorMessage } from "./client";

export interface ProjectRef {
  id: string;
  name: string;
}

export interface Session {
  user: { id: string; name: string; domain: string };
  project: ProjectRef;
  roles: string[];
  admin: boolean;
  expires_at: string;
  projects: ProjectRef[];
  endpoints: Record<string, { url: string }>;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers[CSRF_HEADER] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  if (!resp.ok) throw new ApiError(resp.status, errorMessage(parsed, resp.status));
  return parsed as T;
}

/** The session, or null when logged out (the console answers 204). */
export const getSession = () => call<Session | undefined>("GET", "/auth/session").then((s) => s ?? null);
export const login = (username: string, password: string, domain?: string, project?: string) =>
  call<Session>("POST", "/auth/login", {
    username,
    password,
    ...(domain ? { domain } : {}),
    ...(project ? { project } : {}),
  });
export const switchProject = (project_id: string) =>
  call<Session>("POST", "/auth/project", { project_id });
export const logout = () => call<void>("POST", "/auth/logout");

/** A write someone made through an API, as the console heard of it. */
export interface RecentAction {
  service: string;
  kind: string;
  id?: string | null;
  action?: string | null;
  user_name?: string | null;
  project_id?: string | null;
  at: string;
}

/** The latest writes the viewer may see, newest first (since the console started). */
export const recentActions = () => call<{ recent: RecentAction[] }>("GET", "/events/recent").then((r) => r.recent);

/** A host agent's health, from its heartbeats on the bus (admins). */
export interface AgentHealth {
  kind: string;
  host: string;
  version: string;
  last_heartbeat: string;
  interval_s: number;
  alive: boolean;
}

export const agentList = () => call<{ agents: AgentHealth[] }>("GET", "/agents").then((r) => r.agents);
